#!/usr/bin/env bash
# Session 5, last device call (nvidia-h200-x2, about 8 minutes): the default code (eager prologue) on fla's benchmark
# shapes against fla and SDPA in the same run (issue 4's table), the whole library's checks on the current code, and
# the compiled prologue's diagnosis after the topk_mask change. A watchdog prints every thread's stack if one row
# stalls (call 2 stalled in its third spec under the compiled prologue; where is unknown).
set -u
SHAPES='4,2048,16,128;4,4096,64,128;8,1024,8,64;1,8192,96,128;2,16384,16,128'
S0=retnet,mamba2,gla,hgrn2,deltanet,gated_deltanet
S1=rwkv6,kda,rwkv7
JOB_TIMEOUT=${PHASE_A:-450} TAIL_LINES=60 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/gpu_suite.py --out \$OUT --skip-check --bench-shapes '$SHAPES' --bench-specs $S0 --fla $S0 --watchdog 120; mkdir -p \$OUT/d256; python3 benchmarks/gpu_suite.py --out \$OUT/d256 --skip-check --bench-shapes '2,8192,16,256' --bench-specs retnet,gla,deltanet,gated_deltanet --fla retnet,gla,deltanet,gated_deltanet --watchdog 60" \
  "python3 benchmarks/gpu_suite.py --out \$OUT --skip-check --bench-shapes '$SHAPES' --bench-specs $S1 --fla $S1 --watchdog 120; mkdir -p \$OUT/check; python3 benchmarks/gpu_suite.py --out \$OUT/check --check-shape '2,4096,8,128' --random 4 --bench-shapes '' --watchdog 120; python3 benchmarks/sweeps/diag_prologue.py sse_gla"
