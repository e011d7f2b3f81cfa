#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200-x2, about 9 minutes), for what session 6 changed without a
# full check and what its profiles point at (benchmarks/NOTES.md, v8):
#   GPU 0: the whole library's checks with the current defaults (unfused forward reads for rank-one specs: RWKV-7 and
#          MoM have not run with them; MoM's state pass now takes the delta-rule fold), gate x1 and x10, plus four
#          random compositions.
#   GPU 1: the rank-one state pass's latency knobs for the five rank-one specs, each variant checked at gate x1 and
#          x10 in the same run: two pipeline stages (STORE_H_STAGES), 64-wide value blocks (STATE_BV), tf32 in place
#          of tf32x3 (STATE_PREC), and stages with tf32 together.
# Then, with what is kept: `benchmarks/sweeps/table_call.sh` (about 4 minutes now that fla's configs load from
# benchmarks/fla_configs.json) and `benchmarks/sweeps/profile_call.sh`.
set -u
R=deltanet,gated_deltanet,kda,rwkv7,mom_gated_deltanet
JOB_TIMEOUT=${PHASE_A:-520} TAIL_LINES=45 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/gpu_suite.py --out \$OUT --check-shape '2,4096,8,128' --random 4 --bench-shapes '' --watchdog 200" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs $R --variants 'STORE_H_STAGES=2;STATE_BV=64;STATE_PREC=tf32;STORE_H_STAGES=2,STATE_PREC=tf32' --budget 470"
