#!/usr/bin/env bash
# Session 16, call 3 (nvidia-h200, one GPU): the token layout (per-token tensors read and written in the callers'
# [B, T, H, D] layout by the scalar- and no-gate kernels; the forward's prologue no longer copies q, k, v to
# [B*H, T, D]) against LINDSL_TUNE_TOKEN_LAYOUT=0 (the engine's rows, as before), checked at gate x1 and x10 and
# timed in one run, at 2x16384x16x128 and 4x4096x64x128; then RetNet's and DeltaNet's kernels by name.
set -u
timeout 230 python3 benchmarks/variant_sweep.py --specs retnet,mamba2,deltanet,gated_deltanet,lightning \
  --variants "TOKEN_LAYOUT=0" --bench-shape 2,16384,16,128 --budget 200 --out "$OUT/v1" 2>&1 | grep -A11 "^variant sweep"
timeout 130 python3 benchmarks/variant_sweep.py --specs retnet,deltanet --variants "TOKEN_LAYOUT=0" \
  --bench-shape 4,4096,64,128 --budget 100 --out "$OUT/v2" 2>&1 | grep -A5 "^variant sweep"
timeout 150 python3 benchmarks/profile_phases.py --specs retnet,deltanet --shape 2,16384,16,128 --detail 10 \
  --out "$OUT/prof" 2>&1 | grep -v -i warn | tail -40
