#!/usr/bin/env bash
# Session 42, call 2 (one H200). Call 1 (next_first_call.sh) found: the new default green with no knob set; an
# illegal memory access with PASS_PAIRS=1 at 2x1024x4x128 (the pass loaded the exclusive gate sums from the dummy
# operand whenever a gate was given: now only with reads before the update); DeltaNet's chunk-level adjoint faster
# than its rescan at 2x16384x16x128 (5.789 / 6.231 ms, with the forward's states kept 5.271). (1) checks: PASS_PAIRS
# after the fix, DeltaNet's chunk-level adjoint with kept states and the pass's pairs; (2) DeltaNet at fla's five
# D <= 128 shapes: CHUNK_ADJOINT=1 (+ CA_KEEP_STATES, + PASS_PAIRS) against the rescan (the default), for the default
# decision.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
checks "PASS_PAIRS=1:" "gated_deltanet:1,10" LINDSL_TUNE_PASS_PAIRS=1
checks "DN CA keep pairs:" "deltanet:1" LINDSL_TUNE_CHUNK_ADJOINT=1 LINDSL_TUNE_CA_KEEP_STATES=1 LINDSL_TUNE_PASS_PAIRS=1
echo "checks done at ${SECONDS}s"
for s in 4,4096,64,128 1,8192,96,128 4,2048,16,128 8,1024,8,64 2,16384,16,128; do
  timeout 80 python3 benchmarks/host_ab.py --specs deltanet --shapes $s --variants \
    "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,CA_KEEP_STATES=1;CHUNK_ADJOINT=1,PASS_PAIRS=1;CHUNK_ADJOINT=1,CA_KEEP_STATES=1,PASS_PAIRS=1" \
    --rounds 3 --no-fla 2>&1 | quiet
done
echo "deltanet done at ${SECONDS}s"
echo "all done at ${SECONDS}s"
