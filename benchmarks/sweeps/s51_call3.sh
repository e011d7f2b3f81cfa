#!/usr/bin/env bash
# Session 51, third call (H100, warm): Based's host time with kernelized scores and without (call 2: kernels 5.15
# against 6.31 ms forward+backward at 8x2048x16, but the wall 8.86 against 6.98). About 2 minutes.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
for ks in 1 0; do
  for mode in "" "--forward-only"; do
    echo "== KERNEL_SCORES=$ks $mode"
    LINDSL_TUNE_KERNEL_SCORES=$ks timeout 60 python3 benchmarks/host_profile.py --spec based \
      --sizes B=8,T=2048,H=16,K=16,V=64 $mode --top 25 2>&1 | grep -v -i warn | head -45
  done
done
# Based at K = 8 (F = 73): without kernelized scores the forward takes the fused pass (K <= 256), with them the
# stored states and the read kernel; kernels by launch, each in its own process
for ks in 1 0; do
  echo "== K=8 KERNEL_SCORES=$ks"
  LINDSL_TUNE_KERNEL_SCORES=$ks timeout 60 python3 benchmarks/based_bench.py --trace 8x2048x16x8x64 2>&1 | quiet \
    | grep -E "launches|_read_kernel|_state_kernel|_fused"
done
echo "all done at ${SECONDS}s"
