#!/usr/bin/env bash
# Session 60, call 3 (one GPU, about 9 minutes, timeout_s 590): every fla-covered family's row at 4x4096x64x128 and
# 1x8192x96x128 on the current defaults (the folded values and the value blocks' adjacent launch order, both on by
# default after calls 1-2), against fla and SDPA, each family checked at gate x1 and x10 first
# (next_second_call.sh, four processes at a time).
set -u
mkdir -p "$OUT/h64" "$OUT/h96"
OUT="$OUT/h64" SHAPE=4,4096,64,128 timeout 285 bash benchmarks/sweeps/next_second_call.sh
echo "first shape done at ${SECONDS}s"
OUT="$OUT/h96" SHAPE=1,8192,96,128 timeout 285 bash benchmarks/sweeps/next_second_call.sh
echo "all done at ${SECONDS}s"
