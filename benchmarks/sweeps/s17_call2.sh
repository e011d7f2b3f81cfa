#!/usr/bin/env bash
# Session 17, call 2 (nvidia-h200, one GPU): the backward in the token layout for every scalar- and no-gate state
# (rank-one factors and learned gates too: DeltaNet, Gated DeltaNet, Mamba-2), against LINDSL_TUNE_TOKEN_LAYOUT=0
# (the engine's rows) in one run, checked at gate x1 and x10 (forward and every gradient); then DeltaNet's and
# Gated DeltaNet's kernels by name.
set -u
timeout 235 python3 benchmarks/variant_sweep.py --specs deltanet,gated_deltanet,mamba2,lightning,retnet \
  --variants "TOKEN_LAYOUT=0" --bench-shape 2,16384,16,128 --budget 205 --out "$OUT/v1" 2>&1 | grep -A11 "^variant sweep"
timeout 120 python3 benchmarks/variant_sweep.py --specs deltanet,mamba2 --variants "TOKEN_LAYOUT=0" \
  --bench-shape 4,4096,64,128 --budget 90 --out "$OUT/v2" 2>&1 | grep -A5 "^variant sweep"
timeout 140 python3 benchmarks/profile_phases.py --specs deltanet,gated_deltanet --shape 2,16384,16,128 --detail 12 \
  --out "$OUT/prof" 2>&1 | grep -v -i warn | tail -50
