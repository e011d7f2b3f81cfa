#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 7 minutes), for what session 16 left:
#   1. d3ea637 (unmeasured): the token-layout backward without the row copies the compiled glue kept (call 4:
#      RetNet's peak +384 MB with the token layout). Checked (gate x1, x10) and timed against
#      LINDSL_TUNE_TOKEN_LAYOUT=0 in one run, RetNet, linear attention and Lightning at two shapes; the peak
#      should fall back to the rows' (2510 MB for RetNet at 2x16384x16x128) and forward+backward gain;
#   2. RetNet's and DeltaNet's kernels by name (what is left of the glue: the adjoint's flips).
# Revert d3ea637's backward (to 4eb01f4's) if a check fails or the peak does not fall.
set -u
timeout 200 python3 benchmarks/variant_sweep.py --specs retnet,linear_attn,lightning --variants "TOKEN_LAYOUT=0" \
  --bench-shape 2,16384,16,128 --budget 170 --out "$OUT/v1" 2>&1 | grep -A7 "^variant sweep"
timeout 100 python3 benchmarks/variant_sweep.py --specs retnet --variants "TOKEN_LAYOUT=0" \
  --bench-shape 1,8192,96,128 --budget 80 --out "$OUT/v2" 2>&1 | grep -A3 "^variant sweep"
timeout 120 python3 benchmarks/profile_phases.py --specs retnet,deltanet --shape 2,16384,16,128 --detail 10 \
  --out "$OUT/prof" 2>&1 | grep -v -i warn | tail -40
