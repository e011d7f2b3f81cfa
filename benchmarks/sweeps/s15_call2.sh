#!/usr/bin/env bash
# Session 15, call 2 (nvidia-h200, one GPU):
#   1. a gate that needs no gradient skips its gauge sums, the backward's fp32 chunk states and the boundary pass
#      (RetNet's and Lightning's fixed decays): checked (gate x1, x10) and timed at 2x16384x16x128 with GLA (whose
#      gate needs its gradient: unchanged) and RetNet's kernels by name (s14: f+b 4.45 ms, boundary 0.25, glue 1.05);
#   2. the read sweep's cases call 1 did not reach (fold and per-dimension gates), then the scalar_k_bf16 case with
#      CUDA_LAUNCH_BLOCKING=1 and each configuration named, to find the one that made call 1's illegal access.
set -u
timeout 170 python3 benchmarks/variant_sweep.py --specs retnet,lightning,gla --bench-shape 2,16384,16,128 \
  --budget 130 --out "$OUT/v" 2>&1 | grep -A5 "^variant sweep"
timeout 90 python3 benchmarks/profile_phases.py --specs retnet --shape 2,16384,16,128 --detail 14 --out "$OUT/prof" \
  2>&1 | grep -v -i warn | tail -22
timeout 200 python3 benchmarks/read_sweep.py --out "$OUT/r" --budget 170 \
  --cases fold_k_bf16,fold_v_tf32,vector_k_bf16,vector_v_tf32 2>&1 | grep -v -i warn | tail -20
CUDA_LAUNCH_BLOCKING=1 timeout 90 python3 benchmarks/read_sweep.py --out "$OUT/rc" --budget 60 --verbose \
  --cases scalar_k_bf16 2>&1 | grep -v -i warn | tail -8
