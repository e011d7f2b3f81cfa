#!/usr/bin/env bash
# The next session's first device call (nvidia-h200, one GPU, about 9 minutes), written in session 31; see NOTES.md
# v32's order. The adjoint's sources read in reverse (REV_SOURCES=1: no flipped copies of x and dO; restored in
# 79381e4 after session 26's wall-clock A/B turned out to time Mamba-2's host, and extended to per-dimension key gates
# after it) against the copies, each variant in its own process, checks at gate x1 and x10 first; decide by the
# kernel sums (the rows' "kernels fwd / f+b" column), not the wall clock. Mamba-2 (scalar gate) and GLA (per-dimension
# gate: sub-chunk scores and read-outs) at 2x16384x16x128, then GLA and RetNet at 4x4096x64x128. Predicted: about
# -0.13 ms of kernels at 2x16384x16x128 (two copies of 62-65 us), -0.26 at 4x4096x64x128, less whatever the
# reversed loads cost (ptxas sm_90: Mamba-2's adjoint tf32 pass 256 bytes of spill against 248).
set -u
run() {  # specs shape
  local left=$((585 - SECONDS)); [ "$left" -lt 120 ] && return
  timeout "$left" python3 benchmarks/variant_sweep.py --isolate --specs "$1" --variants "REV_SOURCES=1" \
    --bench-shape "$2" --budget $((left - 30)) --out "$OUT/revsrc_${2//,/x}" 2>&1 | grep -A6 "^variant sweep, each"
  echo "$1 at $2 done at ${SECONDS}s"
}
run mamba2,gla 2,16384,16,128
run gla,retnet 4,4096,64,128
true
