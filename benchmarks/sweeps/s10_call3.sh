#!/usr/bin/env bash
# Session 10, call 3 (nvidia-h200-x2, about 3 minutes). Code: session 10's defaults plus two changes made after
# call 2: value blocks of 16 for the state passes of scalar-key-gate specs without rank-one factors (call 2's
# STATE_BV=16 A/B), and reads of the same side two per launch (_read_kernel TWO_X, READ_PAIRS=1), which spill
# 24-136 B on sm_90 with rank-one factors (aot_check).
#   GPU 0: a checked A/B of the paired reads for DeltaNet and Gated DeltaNet (the specs whose backward has
#   same-side reads) against READ_PAIRS=0 and against eight read warps (fewer registers per thread).
#   GPU 1: the GPU checks of the library specs the table does not cover, RetNet, and six random compositions.
# The next call (table_call.sh) keeps the paired reads only if they win forward+backward for both specs.
set -u
JOB_TIMEOUT=200 TAIL_LINES=30 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs deltanet,gated_deltanet --variants 'READ_PAIRS=0;READ_WARPS=8' --budget 150" \
  "python3 benchmarks/gpu_suite.py --out \$OUT --specs mom_gated_deltanet,lightning,linear_attn_normalized,sse_gla,retnet --check-shape '2,4096,8,128' --random 6 --bench-shapes '' --watchdog 170"
