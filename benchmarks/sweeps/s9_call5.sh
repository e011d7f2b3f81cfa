#!/usr/bin/env bash
# Session 9, last device call (nvidia-h200-x2, the 323 device seconds left, about 4 minutes): knobs that already
# exist around the split pair scores (c03d8d5), no new code.
#   GPU 0: phase times (no checks) of GLA at 2x16384x16x128: the diagonal scores with four warps, the off-diagonal
#          scores' pipeline stages, the gated read-out's warps (the backward's value-side reads), 128-wide read-out
#          value blocks.
#   GPU 1: the diagonal scores with four warps, checked (gate x1 and x10) and timed at 4x8192x16x128.
set -u
V='SUB_DIAG_WARPS=4;SUB_OFF_STAGES=1;SUB_OFF_STAGES=3;SUB_GATED_WARPS=2;SUB_GATED_WARPS=8;READ_BO=128'
JOB_TIMEOUT=${PHASE_A:-200} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/phase_sweep.py --out \$OUT --specs gla --budget 150 --variants '$V'" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs gla,rwkv6,kda --variants 'SUB_DIAG_WARPS=4' --budget 150"
