#!/usr/bin/env bash
# Session 5, call 4 (nvidia-h200-x2, under 3 minutes): the whole library's checks with the compiled prologue as the
# default (no LINDSL_TUNE_PROLOGUE set), after the topk_mask change; the specs split over the two GPUs.
set -u
JOB_TIMEOUT=${PHASE_A:-170} TAIL_LINES=20 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/gpu_suite.py --out \$OUT --specs deltanet,gated_deltanet,rwkv7,sse_gla,linear_attn,lightning,hgrn2 --check-shape '2,4096,8,128' --bench-shapes '' --watchdog 90" \
  "python3 benchmarks/gpu_suite.py --out \$OUT --specs kda,mom_gated_deltanet,mamba2,gla,retnet,rwkv6,linear_attn_normalized --check-shape '2,4096,8,128' --bench-shapes '' --watchdog 90"
