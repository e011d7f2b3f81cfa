#!/usr/bin/env bash
# Session 19, call 2 (nvidia-h200, one GPU, about 8 minutes):
#   1. Mamba-2's forward at 2x16384x16x128: call 1 measured 1.065 ms in the token layout (kernels 0.752 ms) against
#      0.860 in the rows. Host enqueue time, synchronising calls and a cProfile of the forward, RetNet as control.
#   2. READ_SPLIT=1 for Gated DeltaNet (call 1 ran out of budget after DeltaNet: 8.044 -> 7.916 ms f+b).
#   3. The table's two missing rows: RWKV-6 at 1x8192x96x128, RWKV-7 at 8x1024x8x64 (checks passed in s18 call 2).
set -u
timeout 150 python3 benchmarks/host_overhead.py --specs mamba2,retnet --shapes 2,16384,16,128 \
  --variants "TOKEN_LAYOUT=0" --profile fwd --out "$OUT/host" 2>&1 | grep -v -i warn | tail -6
head -45 "$OUT"/host/prof_mamba2_*_1.txt 2>/dev/null | cut -c1-160
for row in "rwkv6:rwkv6 h96:1,8192,96,128" "rwkv7:rwkv7 d64:8,1024,8,64"; do
  read -r fam grp <<< "$row"
  mkdir -p "$OUT/${fam%%:*}"
  OUT="$OUT/${fam%%:*}" TABLE_GPU0="$fam" TABLE_SHAPES="$grp" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=150 \
    JOB_TIMEOUT=170 bash benchmarks/sweeps/table_call.sh 2>&1 | tail -4
done
[ "$SECONDS" -lt 430 ] && timeout 140 python3 benchmarks/variant_sweep.py --specs gated_deltanet --variants "READ_SPLIT=1" \
  --bench-shape 2,16384,16,128 --budget 110 --out "$OUT/split" 2>&1 | grep -A4 "^variant sweep"
