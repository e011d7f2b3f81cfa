#!/usr/bin/env bash
# Session 38 call 7: call 6 found DeltaNet's zero da read fixed only by the contraction in one block (READ_BK=128,
# +0.8 ms forward+backward at 2x16384x16x128 for every value-side read), not by one stage, four warps or unmerged reads:
# the read of -s x (NEGF, "before", no gate, s = 1) with the contraction in two blocks of 64. Which part: the in-kernel
# -s (FOLD_IN_READS=0 reads a scaled copy instead), the bf16 products of loaded tiles (R1_TILE_BF16=0: tf32).
set -u
export TRITON_INTERPRET=0
timeout 250 python3 benchmarks/merged_read_check.py --spec deltanet --repeat 2 \
  --variants ";FOLD_IN_READS=0;R1_TILE_BF16=0;READ_BK=128;FOLD_IN_READS=0 READ_BK=128" > "$OUT/deltanet.txt" 2>&1
grep -v Warn "$OUT/deltanet.txt" | tail -14
true
