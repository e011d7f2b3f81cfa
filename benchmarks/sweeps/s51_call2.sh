#!/usr/bin/env bash
# Session 51, second call (the first's H100, warm): Based's kernels by launch with kernelized scores and without
# (at 8x2048x16 the forward was slower with them, at 1x16384x16 faster: call 1), then the table again, each
# variant in its own process. About 5 minutes.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
for ks in 1 0; do
  echo "== KERNEL_SCORES=$ks"
  LINDSL_TUNE_KERNEL_SCORES=$ks timeout 60 python3 benchmarks/based_bench.py --trace 8x2048x16x16x64 2>&1 | quiet
done
for ks in 0 1; do
  echo "== KERNEL_SCORES=$ks"
  LINDSL_TUNE_KERNEL_SCORES=$ks timeout 100 python3 benchmarks/based_bench.py --check 1x256x1x16x64 \
    --shapes 8x2048x16x16x64,1x16384x16x16x64 2>&1 | quiet | grep "^|"
done
echo "all done at ${SECONDS}s"
