#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 9 minutes), for what session 22 left
# unmeasured, each variant in its own process at 2x16384x16x128, checks at gate x1 and x10:
# 1. The WY system's (I - M)^-1 through the 16-row diagonal blocks (LINDSL_TUNE_WY_SOLVE=blocked: four chunk-sized
#    tf32 products instead of doubling's ten; session 22's profile: Gated DeltaNet's WY kernel 0.741 ms against
#    fla's 0.354 for kkt, solve and w/u), Gated DeltaNet and DeltaNet, then KDA; the default for bf16 inputs
#    (_prep_kernel's SOLVE, chunk_scan_triton's wy_solve) if faster with the checks green.
# 2. KDA at 4x4096x64x128 with the forward's decayed state pass in 32-wide value blocks (STATE_BV=32; the default
#    16 is session 22's 2x16384x16x128 winner, but the table's forward at 4x4096x64x128 did not gain: 2048
#    programs) if time is left; forward+backward's passes take 32 either way.
set -u
timeout 310 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet,deltanet --variants "WY_SOLVE=blocked" \
  --bench-shape 2,16384,16,128 --budget 280 --out "$OUT/gdn" 2>&1 | grep -A5 "^variant sweep, each"
timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda --variants "WY_SOLVE=blocked" \
  --bench-shape 2,16384,16,128 --budget $((470 - SECONDS)) --out "$OUT/kda" 2>&1 | grep -A3 "^variant sweep, each"
[ "$SECONDS" -lt 330 ] && timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "STATE_BV=32" --bench-shape 4,4096,64,128 --budget $((550 - SECONDS)) --out "$OUT/kda_h64" 2>&1 \
  | grep -A3 "^variant sweep, each"
true
