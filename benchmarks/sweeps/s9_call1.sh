#!/usr/bin/env bash
# Run in session 9 (call 1) at 5893d4a; the knobs it sweeps were removed after it (2-4x slower).
# The first device call of the next session (nvidia-h200-x2, about 8 minutes), for what session 8 added after its
# table (benchmarks/NOTES.md, v10): the pair-scores kernel in slices of the contracted dimension (opt-in
# SUB_SCORES_BK: earlier blocks accumulated per slice; SUB_DIAG_BK: the diagonal block at once as [16, 16, BK]
# products instead of one source row at a time). sm_90 registers fell from 250-255 to 142-144 (D = 128, one pair).
#   GPU 0: phase times (no checks) at 2x16384x16x128: GLA and RWKV-6 (one pair), then KDA (forward and backward
#          scores) and RWKV-7 (two pairs per launch).
#   GPU 1: the two most likely variants with checks (gate x1 and x10) and end-to-end times at 4x8192x16x128.
set -u
V='SUB_SCORES_BK=32,SUB_DIAG_BK=8;SUB_SCORES_BK=32,SUB_DIAG_BK=16;SUB_SCORES_BK=64,SUB_DIAG_BK=8;SUB_DIAG_BK=8;SUB_SCORES_BK=32,SUB_DIAG_BK=8,SUB_SCORES_WARPS=4;SUB_SCORES_BK=32,SUB_DIAG_BK=8,SUB_SCORES_WARPS=1'
JOB_TIMEOUT=${PHASE_A:-480} TAIL_LINES=60 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/phase_sweep.py --out \$OUT --specs gla,rwkv6 --budget 220 --variants '$V' && python3 benchmarks/phase_sweep.py --out \$OUT/r1 --specs kda,rwkv7 --budget 200 --variants 'SUB_SCORES_BK=32,SUB_DIAG_BK=8;SUB_SCORES_BK=32,SUB_DIAG_BK=16;SUB_DIAG_BK=8'" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs gla,rwkv6,kda,rwkv7 --variants 'SUB_SCORES_BK=32,SUB_DIAG_BK=8;SUB_SCORES_BK=32,SUB_DIAG_BK=16' --budget 420"
