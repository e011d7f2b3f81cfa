#!/usr/bin/env bash
# Session 56's fourth call, not run (no device time left), now the next session's first (one GPU, about 8
# minutes, timeout_s 560). (1) A trial for the backward's storing state passes, each variant in its own process,
# checked at gate x1 and x10 first, 2x16384x16x128: Mamba-2's two (tf32: 255 registers and 232 B of spill in 64x64
# tiles of two warps) as hilo's two bf16 products (R0_STATE_PREC=hilo, which takes four warps: 168 registers, no
# spill) or in 32-wide value blocks (tf32, 242-246 registers, no spill); GLA's (per-dimension gate: the keys carry
# the decays, lohi's split; 102 registers against tf32's 96). (2) RetNet's and Mamba-2's rows at 2x16384x16x128
# against fla and SDPA in the same run (checks at gate x1 and x10 first): the families sessions 54-55 changed most
# (Mamba-2 -0.40 ms, RetNet -0.26 ms of kernels in A/Bs without fla).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 175 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "R0_STATE_PREC=hilo;STATE_BV=32" --budget 130 \
  --out "$OUT/mamba2_r0" 2>&1 | quiet | grep -v "^variant sweep"
timeout 135 python3 benchmarks/variant_sweep.py --isolate --specs gla --bench-shape 2,16384,16,128 \
  --variants "R0_STATE_PREC=hilo" --budget 100 --out "$OUT/gla_r0" 2>&1 | quiet | grep -v "^variant sweep"
echo "variants done at ${SECONDS}s"
TABLE_GPU0="sgla:retnet,mamba2" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=1 TABLE_SHAPES="h16:2,16384,16,128" \
  DEADLINE=150 JOB_TIMEOUT=190 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
echo "all done at ${SECONDS}s"
