#!/usr/bin/env bash
# Session 17, call 4 (nvidia-h200, one GPU): the token layout against the engine's rows (LINDSL_TUNE_TOKEN_LAYOUT=0),
# each in its own process, the same sequence in each (checks at gate x1 and x10 on 2x4096x8x128, then the timing at
# 2x16384x16x128). Why apart: call 2 timed DeltaNet's forward+backward with TOKEN_LAYOUT=0, second in its process,
# at 11.18 ms, against 8.75 ms for the same rows path in session 16's call 1, first in its process; the likely cause
# is the compiled prologue and backward glue recompiling for the other layout (dynamic shapes after a recompile).
# If so, the in-process A/Bs of the layout (session 16, call 3; this session's calls 1 and 2) overstated its gain.
set -u
SPECS=${SPECS:-retnet,deltanet,gla}
timeout 200 python3 benchmarks/variant_sweep.py --specs "$SPECS" --bench-shape 2,16384,16,128 --budget 170 \
  --out "$OUT/tok" 2>&1 | grep -A5 "^variant sweep"
LINDSL_TUNE_TOKEN_LAYOUT=0 timeout 200 python3 benchmarks/variant_sweep.py --specs "$SPECS" \
  --bench-shape 2,16384,16,128 --budget 170 --out "$OUT/rows" 2>&1 | grep -A5 "^variant sweep"
