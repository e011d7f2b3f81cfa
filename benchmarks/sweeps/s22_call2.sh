#!/usr/bin/env bash
# Session 22, call 2 (nvidia-h200, one GPU, about 9.5 minutes): the state pass's sources decayed to the chunk's end
# by the WY system's kernel (LINDSL_TUNE_STATE_DECAYED=1: no [C, K] gate tile and exponentials per value block;
# ptxas: KDA's forward pass 222 -> 128 registers, RWKV-7's tf32 rescan 160 bytes of spill -> none), alone and with
# 16-wide value blocks (two programs per SM fit at 128-168 registers), each variant in its own process at
# 2x16384x16x128, checks at gate x1 and x10; KDA, then RWKV-7.
set -u
timeout 340 python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "STATE_DECAYED=1;STATE_DECAYED=1,STATE_BV=16" --bench-shape 2,16384,16,128 --budget 300 \
  --out "$OUT/kda" 2>&1 | grep -A4 "^variant sweep, each"
timeout $((590 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 \
  --variants "STATE_DECAYED=1" --bench-shape 2,16384,16,128 --budget $((560 - SECONDS)) \
  --out "$OUT/rwkv7" 2>&1 | grep -A3 "^variant sweep, each"
true
