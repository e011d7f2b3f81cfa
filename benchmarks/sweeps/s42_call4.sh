#!/usr/bin/env bash
# Session 42, call 4 (one H200): launch shapes of the chunk-level adjoint's heaviest kernels, from call 1's trace of
# Gated DeltaNet at 2x16384x16x128 (the backward's exact rescan state pass 1.11 ms on 128 programs, 255 registers,
# ptxas 256 B of spill; the adjoint pass 0.98 ms on 128 programs; the WY backward 0.93 ms, 255 registers, 60 B of
# spill): STATE_BV=16 (the rescan on 256 programs), PASS_BV=16 (the pass on 256), WYB_WARPS=8; DeltaNet's PASS_BV and
# WYB_WARPS; at the two shapes with the fewest sequences (2x16384x16, 1x8192x96). Checks of the combination first;
# then the launches of DeltaNet's new default.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
checks "BV16 WYB8:" "gated_deltanet:1,10 deltanet:1" LINDSL_TUNE_STATE_BV=16 LINDSL_TUNE_PASS_BV=16 LINDSL_TUNE_WYB_WARPS=8
echo "checks done at ${SECONDS}s"
for s in 2,16384,16,128 1,8192,96,128; do
  timeout 90 python3 benchmarks/host_ab.py --specs gated_deltanet --shapes $s --variants \
    "STATE_BV=16;PASS_BV=16;STATE_BV=16,PASS_BV=16;WYB_WARPS=8;STATE_BV=16,PASS_BV=16,WYB_WARPS=8" \
    --rounds 3 --no-fla 2>&1 | quiet
  timeout 70 python3 benchmarks/host_ab.py --specs deltanet --shapes $s --variants \
    "PASS_BV=16;WYB_WARPS=8;PASS_BV=16,WYB_WARPS=8" --rounds 3 --no-fla 2>&1 | quiet
done
echo "host_ab done at ${SECONDS}s"
timeout 50 python3 benchmarks/launch_trace.py --specs deltanet --shape 2,16384,16,128 --min-us 30 \
  --out "$OUT" 2>&1 | quiet
echo "all done at ${SECONDS}s"
