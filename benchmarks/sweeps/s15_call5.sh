#!/usr/bin/env bash
# Session 15, call 5 (nvidia-h200, one GPU): DeltaNet's and Gated DeltaNet's forwards went 2-3 % up between calls 1
# and 3, the only forward change being the folded key-side read's contraction in blocks of 64 (the read sweep had it
# 0.97x alone). It is reverted here; READ_BK=64 puts it back (and on the adjoint's key-side read) in the same run.
set -u
timeout 200 python3 benchmarks/variant_sweep.py --specs deltanet,gated_deltanet --variants "READ_BK=64" \
  --bench-shape 2,16384,16,128 --budget 170 --out "$OUT/v" 2>&1 | grep -A5 "^variant sweep"
