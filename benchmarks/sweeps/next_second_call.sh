#!/usr/bin/env bash
# A later device call (nvidia-h200-x2, about 8 minutes), for what session 5 left unmeasured:
#   GPU 0: the decode step at batch 64 and 256 against fla's fused_recurrent, with the opt-in compiled decode
#          prologue (LINDSL_TUNE_DECODE_PROLOGUE=compiled: the step's few dozen small launches fused by inductor)
#          and 16-, 32- and 64-wide value blocks in the recurrent kernel (DECODE_BV; batch 256 was 0.82-0.92x fla with
#          32). Every row reports step_rel_err against the PyTorch engine in fp64 and graphed_rel_err against the
#          eager step.
#   GPU 1: bf16 products in the backward's reads and non-rank-one state passes (BWD_PREC=bf16; session 3 measured
#          RetNet 9.91 -> 9.18 ms with it and did not try the other families), each variant checked at gate x1 and
#          x10 in the same run.
set -u
SPECS=retnet,gla,deltanet,gated_deltanet
JOB_TIMEOUT=${PHASE_A:-480} TAIL_LINES=30 bash benchmarks/run_parallel.sh \
  "for p in eager compiled; do for bv in 16 32 64; do LINDSL_TUNE_DECODE_PROLOGUE=\$p LINDSL_TUNE_DECODE_BV=\$bv python3 benchmarks/gpu_suite.py --out \$OUT/\${p}_bv\$bv --skip-check --bench-shapes '' --decode $SPECS --fla $SPECS --watchdog 120; done; done" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs retnet,mamba2,gla,hgrn2,rwkv6,deltanet,gated_deltanet,kda --variants 'BWD_PREC=bf16' --budget 420"
