#!/usr/bin/env bash
# Session 14, call 5 (nvidia-h200, one GPU), after the storing pass's tiles by product precision (tf32 for the
# backward's passes: 64 x 64, two warps, two stages):
#   1. the default engine of the five families without rank-one factors checked (bf16, gate x1 and x10, every
#      gradient) and timed at 2x16384x16x128 (benchmarks/variant_sweep.py, baseline only);
#   2. kernel time by name of RetNet, GLA and DeltaNet at 2x16384x16x128 (lindsl and fla).
set -u
timeout 200 python3 benchmarks/variant_sweep.py --specs retnet,mamba2,gla,hgrn2,rwkv6 --bench-shape 2,16384,16,128 \
  --budget 160 --out "$OUT/v" 2>&1 | grep -A8 "^variant sweep"
timeout 200 python3 benchmarks/profile_phases.py --specs retnet,gla,deltanet --shape 2,16384,16,128 --detail 8 \
  --out "$OUT/prof" 2>&1 | grep -v -i warn | tail -60
