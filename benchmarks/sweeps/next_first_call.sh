#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200-x2, about 9 minutes), for what session 7 changed after
# its last GPU run (benchmarks/NOTES.md, v9):
#   GPU 0: the whole library's checks with the current defaults, gate x1 and x10, plus four random compositions.
#          New since the last check: the epilogue through torch.compile, tf32 in the backward's rank-one state
#          passes, the fold in the per-dimension-gate pair loop (KDA), sub-chunked reads and two-warp pair scores.
#   GPU 1: the A/B pairs session 7 could not run, each variant checked at gate x1 and x10: KDA's and RWKV-7's
#          reads in chunks of 64 (SUBCHUNK_R1=1, opt-in; SUB_PAIRS=1: RWKV-7's two source pairs in two launches
#          instead of one that spills), the fold in the pair loop (LOOP_FOLD=0 is the old
#          form), the compiled epilogue (EPILOGUE=eager), and W, U0 in bf16 with two or three pipeline stages for
#          the rank-one state passes.
# Then `table_call.sh` and `profile_call.sh` with what is kept.
set -u
JOB_TIMEOUT=${PHASE_A:-520} TAIL_LINES=45 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/gpu_suite.py --out \$OUT --check-shape '2,4096,8,128' --random 4 --bench-shapes '' --watchdog 200" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs kda,rwkv7,rwkv6,mamba2 --variants 'SUBCHUNK_R1=1;SUBCHUNK_R1=1,SUB_PAIRS=1;LOOP_FOLD=0;EPILOGUE=eager' --budget 250 && python3 benchmarks/variant_sweep.py --out \$OUT/rank_one --specs gated_deltanet,deltanet,kda --variants 'WY_BF16=1;WY_BF16=1,STORE_H_STAGES=2;WY_BF16=1,STORE_H_STAGES=3' --budget 220"
