#!/usr/bin/env bash
# Session 55's first GPU call (one GPU, about 9 minutes, timeout_s 590). (1) RWKV-7's and KDA's last gauge terms
# summed by the gate gradient's kernel (gauge_gate_grad_triton, the default) against a pass of their own
# (GAUGE_IN_GATE_GRAD=0, session 54's measured pass) at 4x2048x16x128: predicted -0.1 ms of kernels each (a
# [B, T, H, K] fp32 write and read, 8 bytes per element at about 3 TB/s, and a launch). (2) session 54's untimed
# items (sweeps/s54_call2.sh's): bf16 products of two bf16 tiles in Mamba-2's and RetNet's backward reads
# (R0_TILE_BF16=1) and the prologue's gate sums against the scan's cumsum (PROLOGUE_CUM=0) at 2x16384x16x128. Each
# variant in its own process (variant_sweep.py --isolate), checked at gate x1 and x10 first.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
for s in rwkv7 kda; do
  timeout 120 python3 benchmarks/variant_sweep.py --isolate --specs $s --bench-shape 4,2048,16,128 \
    --variants "GAUGE_IN_GATE_GRAD=0" --budget 90 --out "$OUT/${s}_fold" 2>&1 | quiet | tail -4
  echo "$s done at ${SECONDS}s"
done
for s in mamba2 retnet; do
  timeout 200 python3 benchmarks/variant_sweep.py --isolate --specs $s --bench-shape 2,16384,16,128 \
    --variants "R0_TILE_BF16=1;PROLOGUE_CUM=0" --budget 160 --out "$OUT/${s}_s54" 2>&1 | quiet | tail -5
  echo "$s done at ${SECONDS}s"
done
echo "all done at ${SECONDS}s"
