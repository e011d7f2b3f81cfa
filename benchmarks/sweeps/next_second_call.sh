#!/usr/bin/env bash
# The second device call of the next session (nvidia-h200-x2, about 9 minutes):
#   GPU 0: the rank-one state pass's latency knobs (benchmarks/NOTES.md, v8: ~8 us per chunk step against fla's
#          ~1.5), each variant checked at gate x1 and x10: two pipeline stages (STORE_H_STAGES), 64-wide value blocks
#          (STATE_BV), tf32 in place of tf32x3 (STATE_PREC), stages with tf32 together; and FOLD=0 (no fold in the
#          state pass or the reads) against the default.
#   GPU 1: the decode step (compiled decode prologue, DECODE_BV 16/32/64, batch 64/256 vs fla's fused_recurrent).
set -u
R=deltanet,gated_deltanet,kda,rwkv7,mom_gated_deltanet
SPECS=retnet,gla,deltanet,gated_deltanet
JOB_TIMEOUT=${PHASE_A:-520} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs $R --variants 'FOLD=0;STORE_H_STAGES=2;STATE_BV=64;STATE_PREC=tf32;STORE_H_STAGES=2,STATE_PREC=tf32' --budget 480" \
  "for p in eager compiled; do for bv in 16 32 64; do LINDSL_TUNE_DECODE_PROLOGUE=\$p LINDSL_TUNE_DECODE_BV=\$bv timeout 50 python3 benchmarks/gpu_suite.py --out \$OUT/\${p}_bv\$bv --skip-check --bench-shapes '' --decode $SPECS --fla $SPECS --watchdog 45; done; done"
