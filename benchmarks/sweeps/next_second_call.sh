#!/usr/bin/env bash
# The next session's second call (one H200), written in session 47 as its first; session 48 put the paired reads first
# (next_first_call.sh). About 9 minutes: timeout_s 590.
# (1) The backward's tf32 state passes without rank-one factors in four warps (LINDSL_TUNE_STATE_WARPS=4; the rule's
#     two warps at 64x64 tiles spill 232 B in Mamba-2's two passes, ptxas via aot_check.py, 255 registers, 0.45 ms
#     each at 2x16384x16x128 against fla's 0.24 and 0.28; four warps: 164 registers, no spill) and in 32-row key
#     blocks (the per-dimension gate's underfilled rule); Mamba-2, RetNet, GLA (the forward's bf16 passes keep four
#     warps, so STATE_WARPS=4 changes only the backward's);
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
V="STATE_WARPS=4;STATE_BK=32,STATE_WARPS=4,STORE_H_STAGES=3"
for run in "mamba2 2,16384,16,128" "retnet 2,16384,16,128" "gla 4,4096,64,128"; do
  set -- $run
  timeout 75 python3 benchmarks/host_ab.py --specs $1 --shapes $2 --rounds 3 --no-fla --variants "$V" 2>&1 | quiet
done
echo "ab done at ${SECONDS}s"
CHECK_TIMEOUT=80 checks "warps4:" "mamba2:1,10 retnet:1 gla:10" LINDSL_TUNE_STATE_WARPS=4
# (2) written in session 48: the rescan's state pass beside the adjoint's scan on a second stream without the pair
#     (BWD_STREAMS=1) for the per-dimension gates, whose backward state passes are chains too (GLA's 0.47 ms at
#     2x16384x16x128, session 28); mem_cpu: GLA +126 MB (the rescan's bf16 states alive during the adjoint)
timeout 200 python3 benchmarks/variant_sweep.py --isolate --specs gla,hgrn2 --bench-shape 2,16384,16,128 \
  --variants "BWD_STREAMS=1" --budget 150 --out "$OUT/gla_streams" 2>&1 | quiet | tail -6
# (3) written in session 48: Mamba-2 by launch with the trials on (one process, no fla: session 47's call 5 has
#     fla's), to see the paired kernel's and the two streams' times beside session 47's trace
LINDSL_TUNE_PAIR_READS=1 LINDSL_TUNE_BWD_STREAMS=1 timeout 90 python3 benchmarks/launch_trace.py --specs mamba2 \
  --shape 2,16384,16,128 --min-us 20 --out "$OUT/trace_pair" 2>&1 | quiet | tail -30
echo "all done at ${SECONDS}s"
# (Mamba-2's ROWS_GRAD=0 / BWD_GLUE=eager in their own processes moved to next_third_call.sh in session 48; its
# default is checked by next_first_call.sh's baseline)
