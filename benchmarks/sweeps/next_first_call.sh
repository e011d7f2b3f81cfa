#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 9 minutes); see NOTES.md v27's order:
# 1. the plain (no rank-one factors) state pass in tf32 with fp32 chunk states, the scalar gate's backward passes
#    (Mamba-2's adjoint and rescan: 0.63 and 0.45 ms at 2x16384x16x128 on 128 programs of two warps, 3 % achieved
#    occupancy, session 25 call 3), by configuration at 32, 256 and 64 sequences, each configuration's states
#    checked against the default's;
# 2. the rank-one rule's final form end to end (3ac2b2b: tf32 blocks 32-wide at 32 and 64 sequences, two stages)
#    against 128 programs (STATE_PROGRAMS=128), Gated DeltaNet at 2x16384x16x128, each variant in its own process;
# 3. the adjoint's sources read in reverse (REV_SOURCES=1: no flipped, padded copies of x and dO; written in session
#    25, bit-identical under the interpreter, the same registers by ptxas where off) against the copies, Mamba-2 at
#    2x16384x16x128, each variant in its own process (predicted -0.19 ms forward+backward).
set -u
timeout 200 python3 benchmarks/state_pass_sweep.py --precision tf32 --cases scalar:0 \
  --shapes "2,16384,16,128;4,4096,64,128;4,2048,16,128" --budget 170 --out "$OUT/plain_tf32" 2>&1 \
  | grep -v -i warn | grep -v "^  FAILED" | tail -4
echo "sweep done at ${SECONDS}s"
[ "$SECONDS" -lt 220 ] && timeout 230 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet \
  --variants "STATE_PROGRAMS=128" --bench-shape 2,16384,16,128 --budget 120 --out "$OUT/programs" 2>&1 \
  | grep -A3 "^variant sweep, each"
echo "A/B done at ${SECONDS}s"
[ "$SECONDS" -lt 430 ] && timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs mamba2 \
  --variants "REV_SOURCES=1" --bench-shape 2,16384,16,128 --budget $((520 - SECONDS)) --out "$OUT/rev_sources" 2>&1 \
  | grep -A3 "^variant sweep, each"
true
