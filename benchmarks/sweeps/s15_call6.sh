#!/usr/bin/env bash
# Session 15, call 6 (nvidia-h200, one GPU, the session's last device seconds):
#   1. the scalar_k_bf16 read configurations with CUDA_LAUNCH_BLOCKING=1; read_sweep now stops at the first CUDA
#      error and names the configuration (calls 1 and 3 lost the case to an illegal memory access);
#   2. DeltaNet's kernels by name at 2x16384x16x128 on the final code of the session.
set -u
CUDA_LAUNCH_BLOCKING=1 timeout 70 python3 benchmarks/read_sweep.py --out "$OUT/rc" --budget 50 --cases scalar_k_bf16 \
  > "$OUT/crash.log" 2>&1
grep -E "CUDA error in|^scalar_k_bf16" "$OUT/crash.log" | cut -c1-400
timeout 100 python3 benchmarks/profile_phases.py --specs deltanet --shape 2,16384,16,128 --detail 12 --out "$OUT/prof" \
  2>&1 | grep -v -i warn | tail -18
