#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 9 minutes), for what session 20 left
# unmeasured: rank-one factors with a per-dimension key gate in chunks of 64 (LINDSL_TUNE_R1_CHUNK=64) with the
# decayed pair products made apart by the reads' pair-score kernels (_sub_scores; the WY solve 221 registers
# without spill against 255 and 148 B) and the state pass in 32-wide value blocks with two
# stages (session 20, call 4: the three passes 7.105 -> 3.651 ms of KDA's forward+backward). Make chunks of 64 the
# default (triton_chunk, _r1_chunk64) if faster forward and forward+backward with the checks green; then KDA by
# kernel. One spec per sweep, each variant in its own process, 2x16384x16x128.
set -u
timeout 250 python3 benchmarks/variant_sweep.py --isolate --specs kda --variants "R1_CHUNK=64" \
  --bench-shape 2,16384,16,128 --budget 230 --out "$OUT/kda" 2>&1 | grep -A3 "^variant sweep, each"
timeout $((470 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 --variants "R1_CHUNK=64" \
  --bench-shape 2,16384,16,128 --budget $((450 - SECONDS)) --out "$OUT/rwkv7" 2>&1 | grep -A3 "^variant sweep, each"
[ "$SECONDS" -lt 480 ] && LINDSL_TUNE_R1_CHUNK=64 timeout $((585 - SECONDS)) python3 benchmarks/profile_phases.py \
  --specs kda --shape 2,16384,16,128 --detail 10 --out "$OUT/prof_kda" 2>&1 | grep -v -i warn | grep -A11 "kda lindsl f"
true
