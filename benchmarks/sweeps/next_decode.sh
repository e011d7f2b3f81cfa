#!/usr/bin/env bash
# Decode sweep for a later call (nvidia-h200-x2, about 4 minutes): the step at batch 64 and 256 against fla's
# fused_recurrent with the opt-in compiled decode prologue (LINDSL_TUNE_DECODE_PROLOGUE=compiled: the step's few
# dozen small launches fused by inductor, eager and graphed) and 16-, 32- and 64-wide value blocks in the recurrent
# kernel (DECODE_BV; batch 256 was 0.82-0.92x fla with 32). Every row reports step_rel_err against the PyTorch
# engine in fp64 and graphed_rel_err against the eager step.
set -u
SPECS=retnet,gla,deltanet,gated_deltanet
JOB_TIMEOUT=${PHASE_A:-300} TAIL_LINES=30 bash benchmarks/run_parallel.sh \
  "for bv in 16 32 64; do LINDSL_TUNE_DECODE_BV=\$bv python3 benchmarks/gpu_suite.py --out \$OUT/eager_bv\$bv --skip-check --bench-shapes '' --decode $SPECS --fla $SPECS --watchdog 120; done" \
  "for bv in 16 32 64; do LINDSL_TUNE_DECODE_PROLOGUE=compiled LINDSL_TUNE_DECODE_BV=\$bv python3 benchmarks/gpu_suite.py --out \$OUT/compiled_bv\$bv --skip-check --bench-shapes '' --decode $SPECS --fla $SPECS --watchdog 120; done"
