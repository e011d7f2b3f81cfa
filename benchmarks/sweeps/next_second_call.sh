#!/usr/bin/env bash
# The next session's second device call (nvidia-h200, one GPU, about 8 minutes), written in session 26; see NOTES.md
# v28's order. Each variant in its own process, checks at gate x1 and x10:
# 1. GLA's backward gated read-outs a whole chunk per program (GATED_ROWS=64) against one 16-row block (the
#    default for GLA-like reads, never measured for them): each 16-row program loads the chunk's 128x128 fp32 state
#    block again (four per chunk); KDA's reads gained 3.6 % from whole chunks (session 21). 2x16384x16x128 and
#    4x4096x64x128;
# 2. the host: RetNet's and Mamba-2's prologue and epilogue eager against torch.compile'd at 4x2048x16x128, where
#    the host sets the time (session 24: Mamba-2's forward enqueues in 0.72 ms compiled, 0.59 eager).
set -u
timeout 200 python3 benchmarks/variant_sweep.py --isolate --specs gla --variants "GATED_ROWS=64" \
  --bench-shape 2,16384,16,128 --budget 180 --out "$OUT/rows32" 2>&1 | grep -A3 "^variant sweep, each"
echo "A/B 1 done at ${SECONDS}s"
[ "$SECONDS" -lt 230 ] && timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs gla \
  --variants "GATED_ROWS=64" --bench-shape 4,4096,64,128 --budget 150 --out "$OUT/rows256" 2>&1 \
  | grep -A3 "^variant sweep, each"
echo "A/B 2 done at ${SECONDS}s"
[ "$SECONDS" -lt 420 ] && timeout $((580 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate \
  --specs retnet,mamba2 --variants "PROLOGUE=eager,EPILOGUE=eager" --bench-shape 4,2048,16,128 \
  --budget $((560 - SECONDS)) --out "$OUT/host" 2>&1 | grep -A5 "^variant sweep, each"
true
