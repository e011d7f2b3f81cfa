#!/usr/bin/env bash
# Session 15, call 1 (nvidia-h200, one GPU, about 8 minutes), for what session 14 left:
#   1. benchmarks/read_sweep.py: the read kernels (every family's largest phase) under a grid of launch knobs, each
#      configuration checked against the default's output; pick rules from it as session 14 did for the state pass;
#   2. DeltaNet and Gated DeltaNet after 82610e6 (the rank-one value-block rule only on the folded pass, not the
#      adjoint's unfolded one): checked at gate x1 and x10 and timed at 2x16384x16x128, and DeltaNet's kernels by name
#      (its backward's two state passes were 1.77 ms with the rule on both passes, 1.40 in session 13).
set -u
timeout 330 python3 benchmarks/read_sweep.py --out "$OUT" --budget 280 2>&1 | grep -v -i warn | tail -32
timeout 150 python3 benchmarks/variant_sweep.py --specs deltanet,gated_deltanet --bench-shape 2,16384,16,128 \
  --budget 110 --out "$OUT/v" 2>&1 | grep -A4 "^variant sweep"
timeout 100 python3 benchmarks/profile_phases.py --specs deltanet --shape 2,16384,16,128 --detail 8 --out "$OUT/prof" \
  2>&1 | grep -v -i warn | tail -14
