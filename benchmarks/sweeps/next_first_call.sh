#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 9 minutes), for what session 19 left
# unmeasured. Each variant in its own process, checks at gate x1 and x10, 2x16384x16x128; one spec per sweep so that
# each spec's variants run right after its default.
#   1. Products of two loaded bf16 tiles in bf16 instead of tf32 (exact either way; both knobs off by default):
#      R1_TILE_BF16 (the rank-one reads: ptxas for sm_90 gives DeltaNet's adjoint value-side read 228 registers and
#      no spill against 255 and 72 B, its key-side read 158 against 214, the forward's read 128 against 167) and
#      WY_TILE_BF16 (the WY system: DeltaNet 218 against 255 registers, Gated DeltaNet's 32 B of spill gone).
#      Make a knob the default if it is faster with the checks green; drop it and its code if not. Then DeltaNet by
#      kernel with both.
#   2. U_BF16=0 for Gated DeltaNet: the fp32 u that session 19's last default change (the gated forwards' u in
#      bf16) replaced. Keep the change if not slower. (KDA's comparison: the next call.)
set -u
timeout 290 python3 benchmarks/variant_sweep.py --isolate --specs deltanet \
  --variants "R1_TILE_BF16=1;WY_TILE_BF16=1;R1_TILE_BF16=1,WY_TILE_BF16=1" \
  --bench-shape 2,16384,16,128 --budget 270 --out "$OUT/tile_dn" 2>&1 | grep -A5 "^variant sweep, each"
timeout 220 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet \
  --variants "R1_TILE_BF16=1,WY_TILE_BF16=1;U_BF16=0" \
  --bench-shape 2,16384,16,128 --budget 200 --out "$OUT/tile_gdn" 2>&1 | grep -A4 "^variant sweep, each"
[ "$SECONDS" -lt 520 ] && LINDSL_TUNE_R1_TILE_BF16=1 LINDSL_TUNE_WY_TILE_BF16=1 timeout 70 python3 \
  benchmarks/profile_phases.py --specs deltanet --shape 2,16384,16,128 --detail 8 --out "$OUT/prof_dn" 2>&1 \
  | grep -v -i warn | grep -A9 "deltanet lindsl fb"
