#!/usr/bin/env bash
# Session 8, last call (nvidia-h200-x2, about 4 minutes): GPU 0 checks the library specs the table's checks do not
# cover (MoM, the only other rank-one spec, whose defaults changed this session; lightning, normalized linear
# attention, SSE) and six random compositions, with the forward without gradients; GPU 1 profiles Gated DeltaNet
# and KDA phase by phase (lindsl and fla) with the new defaults.
set -u
JOB_TIMEOUT=${PHASE_A:-250} TAIL_LINES=30 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/gpu_suite.py --out \$OUT --specs mom_gated_deltanet,lightning,linear_attn_normalized,sse_gla --check-shape '2,4096,8,128' --random 6 --bench-shapes '' --watchdog 200" \
  "python3 benchmarks/profile_phases.py --specs gated_deltanet,kda --shape 2,16384,16,128 --out \$OUT"
