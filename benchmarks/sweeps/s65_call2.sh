#!/usr/bin/env bash
# Session 65, call 2 (one GPU, timeout_s 400: the budget left after refusals), after call 1 (KDA at 4x4096x64x128
# on an H100: STATE_BV=64 38.714 -> 38.005 ms, DIAG_LEVELS=1 38.476, READ_MERGE=0 39.518; DIAG_LEVELS=2 did not
# compile: an annotated constexpr assigned again in the unrolled levels, fixed; it spills 452 B with two readers).
# Each variant in its own process, checked at gate x1 and x10:
# (1) KDA at 4x4096x64x128, the 64-wide state passes with the gated read-outs by halves or on eight warps;
# (2) RWKV-7 (the other per-dimension key gate in chunks of 64) at 4x4096x64x128 with 64-wide state passes.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 220 python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 4,4096,64,128 \
  --variants "STATE_BV=64,DIAG_LEVELS=1;STATE_BV=64,SUB_GATED_WARPS=8" \
  --budget 170 --out "$OUT/kda_combos" 2>&1 | quiet | grep -v "^variant sweep" | tail -4
echo "kda combos done at ${SECONDS}s"
timeout $((390 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 --bench-shape 4,4096,64,128 \
  --variants "STATE_BV=64" --budget $((330 - SECONDS)) --out "$OUT/rwkv7_bv" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "all done at ${SECONDS}s"
