#!/usr/bin/env bash
# Session 52, fourth call (one GPU, the last ~4 device minutes): the eager decode step with the fast launch against
# Triton's run (LINDSL_TUNE_FAST_LAUNCH=0), with the graphed step and fla's fused_recurrent in the same rounds
# (decode_ab.py; batch 64, H 16, D 128: host-bound, session 34), two processes side by side.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
dab() { timeout 140 python3 benchmarks/decode_ab.py --specs "$1" --batches 64 --variants "FAST_LAUNCH=0" \
  --rounds 3 2>&1 | quiet; }
dab retnet,gla > "$OUT/dab1.txt" & dab gated_deltanet,rwkv6 > "$OUT/dab2.txt" & wait
cat "$OUT"/dab?.txt
echo "all done at ${SECONDS}s"
