#!/usr/bin/env bash
# Session 17, call 4 (nvidia-h200, one GPU): the session's changes together (the token layout for every state
# without a value gate, forward and backward; the adjoint's reads without flipped copies) against both switched off
# (LINDSL_TUNE_TOKEN_LAYOUT=0, LINDSL_TUNE_REV_READS=0), each in its own process with the same sequence (checks at
# gate x1 and x10 on 2x4096x8x128, then the timing at 2x16384x16x128). Why apart: call 2 timed DeltaNet's
# forward+backward with TOKEN_LAYOUT=0, second in its process, at 11.18 ms, against 8.75 ms for the same rows path in
# session 16's call 1, first in its process; the likely cause is the compiled prologue and backward glue
# recompiling for the other layout (dynamic shapes after a recompile). If so, the in-process A/Bs of the layout
# (session 16, call 3; this session's calls 1 and 2) overstated its gain.
set -u
SPECS=${SPECS:-retnet,deltanet,gla}
timeout 175 python3 benchmarks/variant_sweep.py --specs "$SPECS" --bench-shape 2,16384,16,128 --budget 150 \
  --out "$OUT/new" 2>&1 | grep -A5 "^variant sweep"
LINDSL_TUNE_TOKEN_LAYOUT=0 LINDSL_TUNE_REV_READS=0 timeout 175 python3 benchmarks/variant_sweep.py --specs "$SPECS" \
  --bench-shape 2,16384,16,128 --budget 150 --out "$OUT/old" 2>&1 | grep -A5 "^variant sweep"
