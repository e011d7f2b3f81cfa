#!/usr/bin/env bash
# The next session's first device call (nvidia-h200, one GPU, about 9 minutes), written in session 31; see NOTES.md
# v32's order. The adjoint's sources read in reverse (REV_SOURCES=1: no flipped copies of x and dO; restored in
# 79381e4 after session 26's wall-clock A/B turned out to time Mamba-2's host) against the copies, Mamba-2 and
# RetNet, each variant in its own process, checks at gate x1 and x10 first; decide by the kernel sums (the rows'
# "kernels fwd / f+b" column), not the wall clock. Predicted: about -0.13 ms of kernels at 2x16384x16x128 (the two
# copies), -0.26 at 4x4096x64x128, less whatever the adjoint's state pass loses to its reversed loads.
set -u
for shape in 2,16384,16,128 4,4096,64,128; do
  left=$((585 - SECONDS)); [ "$left" -lt 120 ] && break
  timeout "$left" python3 benchmarks/variant_sweep.py --isolate --specs mamba2,retnet --variants "REV_SOURCES=1" \
    --bench-shape "$shape" --budget $((left - 30)) --out "$OUT/revsrc_${shape//,/x}" 2>&1 | grep -A6 "^variant sweep, each"
  echo "$shape done at ${SECONDS}s"
done
true
