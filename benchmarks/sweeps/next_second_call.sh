#!/usr/bin/env bash
# The next session's second device call (nvidia-h200, one GPU, about 9 minutes), written in session 27; see NOTES.md
# v29's order. Each variant in its own process, checks at gate x1 and x10, 2x16384x16x128:
# 1. KDA (rank-one factors, two readers per gated read-out, several launches per read): the gauge terms in the
#    gated read-outs with the gate gradient's kernel, and its whole-chunk read-outs by halves (DIAG_LEVELS=1, never
#    measured for whole chunks; GLA's whole chunks gained 6 % with them in session 27);
# 2. GLA's diagonal by quarters (DIAG_LEVELS=2: 8 exponentials and four steps instead of 10 and eight) and HGRN2
#    with whatever the first call kept for GLA (edit the variants: its knobs, all three by default here);
# 3. Mamba-2 (scalar gate) with the gate gradient's kernel (its glue's part is small: about 30 us), if time is left.
set -u
timeout 260 python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "GATED_GAUGE=1,GATE_GRAD_KERNEL=1;DIAG_LEVELS=1" --bench-shape 2,16384,16,128 --budget 230 \
  --out "$OUT/kda" 2>&1 | grep -A4 "^variant sweep, each"
echo "A/B 1 done at ${SECONDS}s"
[ "$SECONDS" -lt 300 ] && timeout 120 python3 benchmarks/variant_sweep.py --isolate --specs gla \
  --variants "DIAG_LEVELS=2" --bench-shape 2,16384,16,128 --budget 100 --out "$OUT/gla" 2>&1 \
  | grep -A3 "^variant sweep, each"
[ "$SECONDS" -lt 420 ] && timeout 120 python3 benchmarks/variant_sweep.py --isolate --specs hgrn2 \
  --variants "GATED_GAUGE=1,GATE_GRAD_KERNEL=1,FLIPPED_SCORES=1" --bench-shape 2,16384,16,128 --budget 100 \
  --out "$OUT/hgrn2" 2>&1 | grep -A3 "^variant sweep, each"
echo "A/B 2 done at ${SECONDS}s"
[ "$SECONDS" -lt 470 ] && timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs mamba2 \
  --variants "GATE_GRAD_KERNEL=1" --bench-shape 2,16384,16,128 --budget $((560 - SECONDS)) --out "$OUT/mamba2" 2>&1 \
  | grep -A3 "^variant sweep, each"
true
