#!/usr/bin/env bash
# Session 68, call 2: the knobs call 1 left out: session 66's KDA pair, Gated DeltaNet's fold b from the prologue,
# and RWKV-7 with both of call 1's winners together. Argument: the call's timeout_s.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
fits 150 && timeout 150 python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 \
  --bench-shape 4,4096,64,128 --variants "STATE_BV=64;PASS_BOUNDARY_ROWS=1,STATE_BV=64" --budget 138 --out "$OUT/rwkv7" 2>&1 \
  | quiet | grep -v "^variant sweep" | tail -3
fits 105 && timeout 105 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet \
  --bench-shape 4,4096,64,128 --variants "FOLD_B_OMIT=0" --budget 92 --out "$OUT/fold_b" 2>&1 | quiet \
  | grep -v "^variant sweep" | tail -2
fits 180 && timeout 180 python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --bench-shape 4,4096,64,128 --variants "STATE_BV=64,DIAG_LEVELS=1;STATE_BV=64,SUB_GATED_WARPS=8" --budget 168 \
  --out "$OUT/kda" 2>&1 | quiet | grep -v "^variant sweep" | tail -3
echo "all done at ${SECONDS}s"
