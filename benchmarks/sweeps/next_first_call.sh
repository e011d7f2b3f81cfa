#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 9 minutes), for what session 19 left
# unmeasured, each variant in its own process, checks at gate x1 and x10, 2x16384x16x128; one spec per sweep so that
# each spec's variants run right after its default:
#   1. LINDSL_TUNE_R1_TILE_BF16=1 (off by default): the rank-one reads' products of two loaded bf16 tiles in bf16
#      instead of tf32 (exact either way). ptxas for sm_90: DeltaNet's adjoint value-side read 255 registers with 72 B
#      of spill -> 228 and none, its key-side read 214 -> 158, the forward's read 167 -> 128; bit-identical on the
#      CPU. Keep it (default on) if faster with the checks green; then DeltaNet by kernel.
#   2. U_BF16=0: the fp32 u that session 19's last change (the gated forwards' u in bf16) replaced.
set -u
timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs deltanet --variants "R1_TILE_BF16=1" \
  --bench-shape 2,16384,16,128 --budget 150 --out "$OUT/tile_dn" 2>&1 | grep -A3 "^variant sweep, each"
timeout 230 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet --variants "R1_TILE_BF16=1;U_BF16=0" \
  --bench-shape 2,16384,16,128 --budget 210 --out "$OUT/tile_gdn" 2>&1 | grep -A4 "^variant sweep, each"
LINDSL_TUNE_R1_TILE_BF16=1 timeout 75 python3 benchmarks/profile_phases.py --specs deltanet --shape 2,16384,16,128 \
  --detail 8 --out "$OUT/prof_dn" 2>&1 | grep -v -i warn | grep -A9 "deltanet lindsl fb"
[ "$SECONDS" -lt 420 ] && timeout 150 python3 benchmarks/variant_sweep.py --isolate --specs kda --variants "U_BF16=0" \
  --bench-shape 2,16384,16,128 --budget 130 --out "$OUT/u_kda" 2>&1 | grep -A3 "^variant sweep, each"
