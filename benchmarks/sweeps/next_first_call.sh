#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 9.5 minutes), for what session 17 left:
#   1. the fair A/B (each variant in its own process) of the per-dimension-gate families against the engine's rows:
#      session 17's call 4 measured GLA's forward -15 % but its forward+backward +5.5 % with the token layout and
#      the unflipped reads together; KDA and RWKV-7 (per-dimension gates with rank-one factors) are unmeasured, and
#      RWKV-7 unchecked on the GPU since those changes;
#   2. GLA's forward+backward by kernel three ways (default, TOKEN_LAYOUT=0, REV_READS=0): which change costs its
#      backward, and in which kernel.
set -u
timeout 360 python3 benchmarks/variant_sweep.py --isolate --specs gla,kda,rwkv7 --variants "TOKEN_LAYOUT=0" \
  --bench-shape 2,16384,16,128 --budget 330 --out "$OUT/ab" 2>&1 | grep -A7 "^variant sweep"
for v in default TOKEN_LAYOUT=0 REV_READS=0; do
  env $([ "$v" = default ] || echo "LINDSL_TUNE_$v") timeout 75 python3 benchmarks/profile_phases.py --specs gla \
    --shape 2,16384,16,128 --detail 12 --out "$OUT/prof_${v%%=*}" 2>&1 | grep -v -i warn | grep -A14 "gla lindsl fb"
done
