#!/usr/bin/env bash
# Session 38 call 6: call 5 found DeltaNet's merged backward read (S dO and S_{t-1} du in one launch, NX = 2) writing
# the second reader's rows all 0 at K = V = 128 in bf16 (that launch: a 128-wide value block, the contraction in blocks
# of 64, two stages, eight warps); right at K = 64 (one block of 64, one stage). benchmarks/merged_read_check.py:
# per launch variant the worst input gradient over 4 calls against fp64, then forward+backward at 2x16384x16x128;
# DeltaNet and Gated DeltaNet in parallel.
set -u
export TRITON_INTERPRET=0
timeout 250 python3 benchmarks/merged_read_check.py --spec deltanet > "$OUT/deltanet.txt" 2>&1 &
timeout 250 python3 benchmarks/merged_read_check.py --spec gated_deltanet > "$OUT/gated_deltanet.txt" 2>&1 &
wait
for f in deltanet gated_deltanet; do echo "== $f"; grep -v Warn "$OUT/$f.txt" | tail -20; done
true
