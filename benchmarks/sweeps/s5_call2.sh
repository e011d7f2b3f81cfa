#!/usr/bin/env bash
# Session 5, second device call (nvidia-h200-x2, about 9 minutes): why sse_gla lost dk and dr under the compiled
# prologue (diag_prologue.py), then fla's benchmark shapes (issue 4) with the compiled prologue, every fla-covered
# family against fla and SDPA in the same run, split by spec over the two GPUs; GPU 1 also times the decode step with
# 16- and 64-wide value blocks and, last, D=256 (reported, not required).
set -u
SHAPES='4,2048,16,128;4,4096,64,128;8,1024,8,64;1,8192,96,128;2,16384,16,128'
FLA0=retnet,gla,deltanet,gated_deltanet,rwkv7
FLA1=mamba2,hgrn2,rwkv6,kda
JOB_TIMEOUT=${PHASE_A:-520} TAIL_LINES=60 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/sweeps/diag_prologue.py sse_gla mom_gated_deltanet; LINDSL_TUNE_PROLOGUE=compiled python3 benchmarks/gpu_suite.py --out \$OUT --skip-check --bench-shapes '$SHAPES' --bench-specs $FLA0 --fla $FLA0" \
  "LINDSL_TUNE_PROLOGUE=compiled python3 benchmarks/gpu_suite.py --out \$OUT --skip-check --bench-shapes '$SHAPES' --bench-specs $FLA1 --fla $FLA1; for bv in 16 64; do LINDSL_TUNE_DECODE_BV=\$bv python3 benchmarks/gpu_suite.py --out \$OUT/decode_bv\$bv --skip-check --bench-shapes '' --decode retnet,gla,deltanet,gated_deltanet --fla retnet,gla,deltanet,gated_deltanet; done; LINDSL_TUNE_PROLOGUE=compiled python3 benchmarks/gpu_suite.py --out \$OUT/d256 --skip-check --bench-shapes '2,8192,16,256' --bench-specs retnet,gla,deltanet,gated_deltanet --fla retnet,gla,deltanet,gated_deltanet"
