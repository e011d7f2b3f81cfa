#!/usr/bin/env bash
# Session 30's only device call (about 290 s of device time were left to the session): the GPU checks (bf16,
# 2x4096x8x128, gpu_suite.py's tolerances) of sse_gla, which c735aea's FLIPPED_RESCAN reaches and no GPU run has
# checked, and of six random compositions of library specs (a new seed: 30), at gate x1: unseen rules on the
# current kernels.
set -u
timeout 165 python3 benchmarks/gpu_suite.py --bench-shapes "" --specs sse_gla --random 6 --random-seed 30 \
  --check-shape 2,4096,8,128 --watchdog 90 --out "$OUT/checks" 2>&1 | grep -E "PASS|FAIL|rror" | head -40
echo "checks done at ${SECONDS}s"
true
