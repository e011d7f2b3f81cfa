#!/usr/bin/env bash
# Session 20, call 3 (nvidia-h200, one GPU, at most 8 minutes): rank-one factors with a per-dimension key gate in
# chunks of 64 (LINDSL_TUNE_R1_CHUNK=64: the WY system from 16-row blocks, a quarter of the state pass's sequential
# steps) against chunks of 16, KDA then RWKV-7 at 2x16384x16x128, each variant in its own process, checks at gate x1
# and x10.
set -u
timeout 250 python3 benchmarks/variant_sweep.py --isolate --specs kda --variants "R1_CHUNK=64" \
  --bench-shape 2,16384,16,128 --budget 230 --out "$OUT/kda" 2>&1 | grep -A3 "^variant sweep, each"
timeout $((470 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 --variants "R1_CHUNK=64" \
  --bench-shape 2,16384,16,128 --budget $((450 - SECONDS)) --out "$OUT/rwkv7" 2>&1 | grep -A3 "^variant sweep, each"
true
