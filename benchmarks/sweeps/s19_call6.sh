#!/usr/bin/env bash
# Session 19, call 6 (nvidia-h200, one GPU, at most 4 minutes): the forward's pseudo-values u in bf16 for gated
# rank-one specs too (exact_u False: on the Triton engine the backward recomputes u, so the forward's feeds no
# gradient). Gated DeltaNet then KDA at 2x16384x16x128, each variant in its own process, checks at gate x1 and x10.
set -u
timeout 225 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet,kda --variants "U_BF16=0" \
  --bench-shape 2,16384,16,128 --budget 150 --out "$OUT/ubf16" 2>&1 | grep -A5 "^variant sweep, each"
