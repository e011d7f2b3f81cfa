#!/usr/bin/env bash
# Session 55's first GPU call (one GPU, about 9 minutes, timeout_s 590). Each variant in its own process
# (variant_sweep.py --isolate), checked at gate x1 and x10 first; medians of wall clock and kernel sums.
# (1) RWKV-7's and KDA's last gauge terms summed by the gate gradient's kernel (gauge_gate_grad_triton, the default)
#     against a pass of their own (GAUGE_IN_GATE_GRAD=0, session 54's measured pass) at 4x2048x16x128: predicted
#     -0.1 ms of kernels each (a [B, T, H, K] fp32 write and read, 8 bytes per element at about 3 TB/s, a launch).
# (2) Mamba-2 at 2x16384x16x128: the rows backwards merged (the default: the epilogue's backward launches nothing, the
#     prologue's kernel makes both kernels' input and param gradients) against two kernels (ROWS_MERGED_BWD=0),
#     predicted -0.1 to -0.16 ms (session 47's trace: the epilogue's backward 163 us) and peak -128 MB (mem_cpu.py);
#     session 54's untimed items: bf16 products of two bf16 tiles in its backward reads (R0_TILE_BF16=1) and the
#     prologue's gate sums against the scan's cumsum (PROLOGUE_CUM=0).
# (3) Mamba-2 at 4x2048x16x128 (host-bound): the merged backward and the prologue's sums, each a launch fewer.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
for s in rwkv7 kda; do
  timeout 110 python3 benchmarks/variant_sweep.py --isolate --specs $s --bench-shape 4,2048,16,128 \
    --variants "GAUGE_IN_GATE_GRAD=0" --budget 80 --out "$OUT/${s}_fold" 2>&1 | quiet | tail -4
  echo "$s done at ${SECONDS}s"
done
timeout 230 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "ROWS_MERGED_BWD=0;R0_TILE_BF16=1;PROLOGUE_CUM=0" --budget 190 --out "$OUT/mamba2_large" 2>&1 | quiet | tail -6
echo "mamba2 large done at ${SECONDS}s"
timeout 120 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 4,2048,16,128 \
  --variants "ROWS_MERGED_BWD=0;PROLOGUE_CUM=0" --budget 90 --out "$OUT/mamba2_small" 2>&1 | quiet | tail -5
echo "all done at ${SECONDS}s"
