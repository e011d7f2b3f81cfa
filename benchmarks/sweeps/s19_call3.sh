#!/usr/bin/env bash
# Session 19, call 3 (nvidia-h200, one GPU, about 7 minutes), code with the pseudo-values u in bf16 (low-precision
# inputs without gates: the forward's scan and the backward's rescan) and the two-pass rank-one reads by default:
#   1. DeltaNet at 2x16384x16x128, each variant in its own process, checks at gate x1 and x10: default against
#      U_BF16=0 (u in fp32) and READ_SPLIT=0; then by kernel.
#   2. The forward's host time in the token layout: call 2 measured mamba2 default first (host 0.862 ms) and the rows
#      second (0.569); here the rows first and the token layout again last, to separate order from layout.
set -u
timeout 230 python3 benchmarks/variant_sweep.py --isolate --specs deltanet --variants "U_BF16=0;READ_SPLIT=0" \
  --bench-shape 2,16384,16,128 --budget 200 --out "$OUT/ubf16" 2>&1 | grep -A5 "^variant sweep, each"
timeout 75 python3 benchmarks/profile_phases.py --specs deltanet --shape 2,16384,16,128 --detail 12 \
  --out "$OUT/prof_dn" 2>&1 | grep -v -i warn | grep -A14 "deltanet lindsl fb"
timeout 150 python3 benchmarks/host_overhead.py --specs mamba2 --shapes 2,16384,16,128 \
  --variants "TOKEN_LAYOUT=0;TOKEN_LAYOUT=1" --profile fwd --out "$OUT/host" 2>&1 | grep -v -i warn | tail -4
