#!/usr/bin/env bash
# Session 56's third call (one GPU, about 8 minutes, timeout_s 580): the key gate's boundary sums made by the
# backward rescan's state pass (RESCAN_BOUNDARY, default on: no _boundary_kernel pass over both state sequences),
# against the boundary kernel (RESCAN_BOUNDARY=0), each variant in its own process, checked at gate x1 and x10
# first. Mamba-2 (scalar gate; the bound pass in 32 key rows, four warps, three stages) with two other launches of
# the bound pass and the 32-row rule for both backward passes; GLA (per-dimension gate) at 2x16384x16x128;
# Mamba-2 and GLA at 4x4096x64x128 (1024 programs).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
sweep() {  # spec shape variants budget timeout
  timeout "$5" python3 benchmarks/variant_sweep.py --isolate --specs "$1" --bench-shape "$2" --variants "$3" \
    --budget "$4" --out "$OUT/${1}_${2//,/x}" 2>&1 | quiet | grep -v "^variant sweep"
  echo "$1 $2 done at ${SECONDS}s"
}
sweep mamba2 2,16384,16,128 "RESCAN_BOUNDARY=0;BOUND_BK=64,BOUND_WARPS=4,BOUND_STAGES=2;STATE_BK=32,STATE_WARPS=4,STORE_H_STAGES=3" 140 170
sweep gla 2,16384,16,128 "RESCAN_BOUNDARY=0" 65 90

sweep mamba2 4,4096,64,128 "RESCAN_BOUNDARY=0" 65 100
sweep gla 4,4096,64,128 "RESCAN_BOUNDARY=0" 65 110
echo "all done at ${SECONDS}s"
