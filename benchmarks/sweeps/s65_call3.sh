#!/usr/bin/env bash
# Session 65, call 3 (one GPU, timeout_s 250: the budget left after refusals; replaces call 2, which never started).
# Each variant in its own process, checked at gate x1 and x10 (the checks include a forward without gradients),
# 4x4096x64x128:
# (1) Gated DeltaNet's forward with the fold's b written (FOLD_B_OMIT=0) against the default that leaves it unwritten
#     in calls without gradients (built this session: the rows prologue's [B, T, H, K] write fewer);
# (2) RWKV-7 with 64-wide state passes (STATE_BV=64: KDA, the other per-dimension key gate in chunks of 64, went
#     38.714 -> 38.005 ms with them in call 1), before a rule by program count takes both.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 125 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet --bench-shape 4,4096,64,128 \
  --variants "FOLD_B_OMIT=0" --budget 90 --out "$OUT/fold_b" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "fold_b done at ${SECONDS}s"
timeout $((240 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 --bench-shape 4,4096,64,128 \
  --variants "STATE_BV=64" --budget $((200 - SECONDS)) --out "$OUT/rwkv7_bv" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "all done at ${SECONDS}s"
