#!/usr/bin/env bash
# Session 24, call 4 (nvidia-h200, about 1 minute): the backward's adjoint state pass by launch configuration at
# 2x16384x16x128, with CUDA_LAUNCH_BLOCKING=1 so that a faulting launch is named (call 3's sweep had ended in an
# illegal address without naming it).
set -u
CUDA_LAUNCH_BLOCKING=1 timeout 190 python3 benchmarks/state_pass_sweep.py --rank-one --cases scalar:adj,none:adj \
  --shapes 2,16384,16,128 --budget 120 --out "$OUT/adj" 2>&1 | grep -v -i warn | tail -40
