#!/usr/bin/env bash
# Session 65, call 2 (one GPU, timeout_s 500), after call 1 (KDA at 4x4096x64x128 on an H100: STATE_BV=64 38.714 ->
# 38.005 ms, DIAG_LEVELS=1 38.476, READ_MERGE=0 39.518; DIAG_LEVELS=2 did not compile: an annotated constexpr
# assigned again in the unrolled levels, fixed). Each variant in its own process, checked at gate x1 and x10:
# (1) KDA at 4x4096x64x128, the 64-wide state passes with the gated read-outs' levels and eight warps;
# (2) RWKV-7 (the other per-dimension key gate in chunks of 64) at 4x4096x64x128 with 64-wide state passes;
# (3) KDA at 2x16384x16x128 with them (32 sequences: 64 programs a pass against 128), for the rule's threshold.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 270 python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 4,4096,64,128 \
  --variants "STATE_BV=64,DIAG_LEVELS=1;STATE_BV=64,SUB_GATED_WARPS=8;STATE_BV=64,DIAG_LEVELS=2" \
  --budget 200 --out "$OUT/kda_combos" 2>&1 | quiet | grep -v "^variant sweep" | tail -5
echo "kda combos done at ${SECONDS}s"
timeout $((390 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 --bench-shape 4,4096,64,128 \
  --variants "STATE_BV=64" --budget $((330 - SECONDS)) --out "$OUT/rwkv7_bv" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "rwkv7 done at ${SECONDS}s"
timeout $((485 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 2,16384,16,128 \
  --variants "STATE_BV=64" --budget $((420 - SECONDS)) --out "$OUT/kda_long" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "all done at ${SECONDS}s"
