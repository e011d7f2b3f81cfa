#!/usr/bin/env bash
# The next session's second call (one H200), written in session 47 as its first; session 48 put the paired reads first
# (next_first_call.sh). About 9 minutes: timeout_s 590.
# (1) The backward's tf32 state passes without rank-one factors in four warps (LINDSL_TUNE_STATE_WARPS=4; the rule's
#     two warps at 64x64 tiles spill 232 B in Mamba-2's two passes, ptxas via aot_check.py, 255 registers, 0.45 ms
#     each at 2x16384x16x128 against fla's 0.24 and 0.28; four warps: 164 registers, no spill) and in 32-row key
#     blocks (the per-dimension gate's underfilled rule); Mamba-2, RetNet, GLA (the forward's bf16 passes keep four
#     warps, so STATE_WARPS=4 changes only the backward's);
# (2) Mamba-2's rows backward against the compiled prologue (ROWS_GRAD=0: session 47's rows 3-4 % slower than
#     session 46's with the compiled prologue) and the eager backward glue (BWD_GLUE=eager), each in its own
#     process (variant_sweep.py --isolate: these change what torch.compile sees); its default checked first (session
#     47 after the calls: the gauged backward's dv0 read leaves its kernel in bf16, and the rows epilogue's backward
#     writes the read's cotangent in bf16: two fp32 copies and casts of call 5's trace, 90 and 95 us, gone; its
#     baseline row there is the first timing of that, against session 47's 4.534 ms row).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
V="STATE_WARPS=4;STATE_BK=32,STATE_WARPS=4,STORE_H_STAGES=3"
for run in "mamba2 2,16384,16,128" "retnet 2,16384,16,128" "mamba2 4,4096,64,128" "gla 4,4096,64,128"; do
  set -- $run
  timeout 75 python3 benchmarks/host_ab.py --specs $1 --shapes $2 --rounds 3 --no-fla --variants "$V" 2>&1 | quiet
done
echo "ab done at ${SECONDS}s"
CHECK_TIMEOUT=80 checks "warps4:" "mamba2:1,10 retnet:1 gla:10" LINDSL_TUNE_STATE_WARPS=4
CHECK_TIMEOUT=60 checks "default:" "mamba2:1,10 lightning:1"
echo "checks done at ${SECONDS}s"
timeout 250 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "ROWS_GRAD=0;BWD_GLUE=eager" --budget 230 --out "$OUT/m2_isolate" 2>&1 | quiet | tail -8
echo "all done at ${SECONDS}s"
