#!/usr/bin/env bash
# Session 28, call 2 (nvidia-h200, one GPU, about 9 minutes). Call 1 made GATED_GAUGE, GATE_GRAD_KERNEL and
# FLIPPED_SCORES defaults (GLA 9.123 -> 7.903 ms forward+backward at 2x16384x16x128, RWKV-6 10.471 -> 9.780 with the
# first two); here the families call 1 did not time, each with the knobs off against the new default, each variant
# in its own process, checks at gate x1 and x10, 2x16384x16x128:
# 1. KDA (merged readers, several launches per read) without the first two, and its whole-chunk read-outs by halves
#    (DIAG_LEVELS=1, never measured for whole chunks);
# 2. RWKV-7 (merged readers, a shifted forward term) without the first two;
# 3. HGRN2 without all three; 4. Mamba-2 (scalar gate) without the gradient's kernel;
set -u
timeout 200 python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "GATED_GAUGE=0,GATE_GRAD_KERNEL=0;DIAG_LEVELS=1" --bench-shape 2,16384,16,128 --budget 180 \
  --out "$OUT/kda" 2>&1 | grep -A4 "^variant sweep, each"
echo "KDA done at ${SECONDS}s"
[ "$SECONDS" -lt 330 ] && timeout 130 python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 \
  --variants "GATED_GAUGE=0,GATE_GRAD_KERNEL=0" --bench-shape 2,16384,16,128 --budget 115 --out "$OUT/rwkv7" 2>&1 \
  | grep -A3 "^variant sweep, each"
echo "RWKV-7 done at ${SECONDS}s"
[ "$SECONDS" -lt 420 ] && timeout 100 python3 benchmarks/variant_sweep.py --isolate --specs hgrn2 \
  --variants "GATED_GAUGE=0,GATE_GRAD_KERNEL=0,FLIPPED_SCORES=0" --bench-shape 2,16384,16,128 --budget 90 \
  --out "$OUT/hgrn2" 2>&1 | grep -A3 "^variant sweep, each"
echo "HGRN2 done at ${SECONDS}s"
[ "$SECONDS" -lt 480 ] && timeout $((590 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs mamba2 \
  --variants "GATE_GRAD_KERNEL=0" --bench-shape 2,16384,16,128 --budget $((575 - SECONDS)) --out "$OUT/mamba2" 2>&1 \
  | grep -A3 "^variant sweep, each"
echo "Mamba-2 done at ${SECONDS}s"
true
