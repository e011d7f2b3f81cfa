#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200-x2 or larger; with two GPUs about 9 minutes): what session
# 4 left opt-in or unmeasured, each change checked for correctness in the same run.
#   GPU 0: the whole library's checks (D=128 and 64, gate x1/x10) and 8 random compositions with the compiled
#          prologue (LINDSL_TUNE_PROLOGUE=compiled): if green, it can become the default for long runs (it costs an
#          inductor compile per spec, which a search loop over thousands of specs may not want); then the decode
#          step with 16- and 64-wide value blocks (DECODE_BV; batch 256 was 0.82-0.92x fla with 32)
#   GPU 1: sweeps: the compiled prologue's timing on every fla-covered family; two pipeline stages in the backward's
#          state passes of rank-one specs (STORE_H_STAGES=2); the 16-row sub-chunk reads for per-dimension gates
#          (SUBCHUNK=1), last measured before the register fix; 64-wide value blocks in the rank-one state pass
#          (STATE_BV=64: half the redundant pair products of the fused forward's reads)
set -u
JOB_TIMEOUT=${PHASE_A:-520} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "LINDSL_TUNE_PROLOGUE=compiled python3 benchmarks/gpu_suite.py --out \$OUT --check-shape '2,4096,8,128;2,4096,8,64' --random 8 --bench-shapes ''; for bv in 16 64; do LINDSL_TUNE_DECODE_BV=\$bv python3 benchmarks/gpu_suite.py --out \$OUT/decode_bv\$bv --skip-check --bench-shapes '' --decode retnet,gla,deltanet,gated_deltanet; done" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs deltanet,gated_deltanet,kda,rwkv7 --variants 'PROLOGUE=compiled;STORE_H_STAGES=2;PROLOGUE=compiled,STORE_H_STAGES=2;STATE_BV=64' --budget 300; python3 benchmarks/variant_sweep.py --out \$OUT/pd --specs gla,hgrn2,retnet --variants 'PROLOGUE=compiled;SUBCHUNK=1;PROLOGUE=compiled,SUBCHUNK=1' --budget 150"
