#!/usr/bin/env bash
# Session 9, third device call (nvidia-h200-x2, about 6 minutes): the pair scores split as fla splits them
# (opt-in SUB_SCORES_SPLIT=1: the blocks below the diagonal one program per block pair over slices of SUB_OFF_BK
# dimensions, SUB_OFF_WARPS warps; the diagonal blocks apart, SUB_DIAG_WARPS warps, each column stored as summed),
# and the one-kernel form's warps. Calls 1-2 found the sliced forms of session 8 2-4x slower.
#   GPU 0: phase times (no checks) at 2x16384x16x128: GLA and RWKV-6, then KDA and RWKV-7.
#   GPU 1: the two most likely variants with checks (gate x1 and x10) and end-to-end times at 4x8192x16x128.
set -u
S='SUB_SCORES_SPLIT=1'
V="$S;$S,SUB_DIAG_WARPS=2;$S,SUB_OFF_WARPS=2;$S,SUB_OFF_BK=32;$S,SUB_OFF_BK=128;SUB_SCORES_WARPS=1;SUB_SCORES_WARPS=4"
JOB_TIMEOUT=${PHASE_A:-480} TAIL_LINES=60 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/phase_sweep.py --out \$OUT --specs gla,rwkv6 --budget 200 --variants '$V' && python3 benchmarks/phase_sweep.py --out \$OUT/r1 --specs kda,rwkv7 --budget 180 --variants '$S;$S,SUB_DIAG_WARPS=2;$S,SUB_DIAG_WARPS=4'" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs gla,rwkv6,kda,rwkv7 --variants '$S;$S,SUB_DIAG_WARPS=2' --budget 400"
