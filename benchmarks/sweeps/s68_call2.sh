#!/usr/bin/env bash
# Session 68, call 2: the knobs call 1 left out: session 66's KDA pair, Gated DeltaNet's fold b from the prologue,
# and RWKV-7 with both of call 1's winners together. Argument: the call's timeout_s.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
variants 150 rwkv7 "STATE_BV=64;PASS_BOUNDARY_ROWS=1,STATE_BV=64" rwkv7
variants 105 gated_deltanet "FOLD_B_OMIT=0" fold_b
variants 180 kda "STATE_BV=64,DIAG_LEVELS=1;STATE_BV=64,SUB_GATED_WARPS=8" kda
echo "all done at ${SECONDS}s"
