#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 8 minutes), for what session 19 left:
# the forward's pseudo-values u in bf16 for gated rank-one specs (checks green on the GPU in session 19, call 6; the
# fp32-u baselines ran past that call's budget). Each variant in its own process, one spec per sweep so that each
# spec's baseline runs right after its default.
set -u
for spec in gated_deltanet kda rwkv7; do
  timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs "$spec" --variants "U_BF16=0" \
    --bench-shape 2,16384,16,128 --budget 150 --out "$OUT/ubf16_$spec" 2>&1 | grep -A3 "^variant sweep, each"
done
