#!/usr/bin/env bash
# Session 57's first call (one GPU, about 9 minutes, timeout_s 590; carry .whl and benchmarks/raw/s57/base).
# (1) The rows backward's passes (this session): RWKV-6's r, k, v (HGRN2's and KDA's g too, untimed) reach the prologue's autograd
# function as outputs, so the cores' part of their gradient is added in the rows backward kernel (autograd added
# it: three [B, T, H, D] passes and launches in RWKV-6's backward). A/B against the tree before the change
# (benchmarks/raw/s57/base: b3ac516 laid out as installed; variant_sweep's TREE), each in its own process, checks at
# gate x1 and x10 first, 2x16384x16x128. (2) Session 56's untimed trial R0_STATE_PREC=hilo for Mamba-2's backward
# state passes (and 32-wide tf32 value blocks). (3) RetNet's and Mamba-2's rows at 2x16384x16x128 against fla and SDPA.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 140 python3 benchmarks/variant_sweep.py --isolate --specs rwkv6 --bench-shape 2,16384,16,128 \
  --variants "TREE=benchmarks/raw/s57/base" --budget 70 --out "$OUT/passes" 2>&1 | quiet | grep -v "^variant sweep"
echo "passes done at ${SECONDS}s"
timeout 175 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "R0_STATE_PREC=hilo;STATE_BV=32" --budget 130 \
  --out "$OUT/mamba2_r0" 2>&1 | quiet | grep -v "^variant sweep"
echo "variants done at ${SECONDS}s"
TABLE_GPU0="sgla:retnet,mamba2" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=1 TABLE_SHAPES="h16:2,16384,16,128" \
  DEADLINE=150 JOB_TIMEOUT=190 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
echo "all done at ${SECONDS}s"
