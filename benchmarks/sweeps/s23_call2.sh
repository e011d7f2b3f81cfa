#!/usr/bin/env bash
# Session 23, call 2 (nvidia-h200, one GPU, about 8 minutes), each variant in its own process, checks at gate x1 and
# x10: 1. Gated DeltaNet and DeltaNet at 2x16384x16x128 with the plain reads of one side merged (PLAIN_MERGE=1:
# the adjoint's dS v and dS u, the rescan's S dO and S_{t-1} du, two launches fewer per backward); 2. KDA at
# 4x4096x64x128 with the forward's decayed state pass in 32-wide value blocks (STATE_BV=32; call 1 had no time).
set -u
timeout 310 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet,deltanet --variants "PLAIN_MERGE=1" \
  --bench-shape 2,16384,16,128 --budget 280 --out "$OUT/gdn" 2>&1 | grep -A5 "^variant sweep, each"
timeout $((560 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda --variants "STATE_BV=32" \
  --bench-shape 4,4096,64,128 --budget $((540 - SECONDS)) --out "$OUT/kda_h64" 2>&1 | grep -A3 "^variant sweep, each"
true
