#!/usr/bin/env bash
# Session 69, third call: the two failing GPU tests in full; ROWS_WARPS=4 and PROLOGUE_CUM=0 together on KDA, and
# each on RWKV-7 and Gated DeltaNet (both won alone on KDA in call 2).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
python3 -m pytest -x -q tests/test_chunk_adjoint.py -k "bf16_intermediates_give_the_same_gradients and gated_deltanet" 2>&1 | tail -30 > "$OUT/failing.txt"
tail -25 "$OUT/failing.txt"
variants 130 kda "ROWS_WARPS=4,PROLOGUE_CUM=0" kda_both
variants 130 rwkv7 "ROWS_WARPS=4;PROLOGUE_CUM=0;ROWS_WARPS=4,PROLOGUE_CUM=0" rwkv7_rows
variants 130 gated_deltanet "ROWS_WARPS=4;PROLOGUE_CUM=0" gdn_rows
echo "all done at ${SECONDS}s"
