#!/usr/bin/env bash
# Session 26, call 1 (nvidia-h200, one GPU, about 9 minutes), written in session 25 as next_first_call.sh:
# 1. the plain (no rank-one factors) state pass in tf32 with fp32 chunk states, the scalar gate's backward passes
#    (Mamba-2's adjoint and rescan: 0.63 and 0.45 ms at 2x16384x16x128 on 128 programs of two warps, 3 % achieved
#    occupancy, 232-392 bytes of spill by ptxas; session 25 call 3), by configuration at 32 and 256 sequences, each
#    configuration's states checked against the default's;
# 2. two variants written after session 25's last call, off, against the defaults: REV_SOURCES=1 (the adjoint's x
#    and dO read in reverse, no flipped, padded copies: -0.19 ms predicted) and GAUGE_BLOCKS=1 (gauged reads in
#    their value blocks with partial sums instead of one 128-wide block of eight warps: 0.80 and 0.84 ms now, the
#    plain adjoint read 0.63 in two blocks), Mamba-2 at 2x16384x16x128, each variant in its own process;
# 3. the rank-one rule's final form end to end (3ac2b2b: tf32 blocks 32-wide at 32 and 64 sequences, two stages)
#    against 128 programs (STATE_PROGRAMS=128), Gated DeltaNet at 2x16384x16x128, if time is left.
set -u
timeout 150 python3 benchmarks/state_pass_sweep.py --precision tf32 --cases scalar:0 \
  --shapes "2,16384,16,128;4,4096,64,128" --budget 120 --out "$OUT/plain_tf32" 2>&1 \
  | grep -v -i warn | grep -v "^  FAILED" | tail -4
echo "sweep done at ${SECONDS}s"
[ "$SECONDS" -lt 170 ] && timeout 260 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 \
  --variants "REV_SOURCES=1;GAUGE_BLOCKS=1" --bench-shape 2,16384,16,128 --budget 200 --out "$OUT/mamba2" 2>&1 \
  | grep -A4 "^variant sweep, each"
echo "A/B done at ${SECONDS}s"
[ "$SECONDS" -lt 420 ] && timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate \
  --specs gated_deltanet --variants "STATE_PROGRAMS=128" --bench-shape 2,16384,16,128 --budget $((500 - SECONDS)) \
  --out "$OUT/programs" 2>&1 | grep -A3 "^variant sweep, each"
true
