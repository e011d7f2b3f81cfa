#!/usr/bin/env bash
# Session 51, fourth call (H100): why Based's forward with kernelized scores takes 2.1 ms of host time against 0.76
# without (call 3): synchronizing ops of one call and the allocator's device allocations over the timed calls.
set -u
export TRITON_INTERPRET=0
for ks in 1 0; do
  echo "== KERNEL_SCORES=$ks --forward-only"
  LINDSL_TUNE_KERNEL_SCORES=$ks timeout 60 python3 benchmarks/host_profile.py --spec based \
    --sizes B=8,T=2048,H=16,K=16,V=64 --forward-only --sync-debug --top 12 2>&1 | grep -v "^ *$" | head -60
done
echo "all done at ${SECONDS}s"
