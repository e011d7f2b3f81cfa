#!/usr/bin/env bash
# A third call for the next session (one GPU, about 7 minutes, timeout_s 590), written in session 60: the block
# widths chosen under the sequences-first launch order, timed again now that a sequence's (chunk's) blocks run next
# to each other and share their key-side tiles through L2 (narrower blocks no longer reload them from memory; wider
# ones lose their reason to be wide). Gated DeltaNet and DeltaNet at 4x4096x64x128, each variant in its own process,
# checked at gate x1 and x10: the adjoint pass's value block 16 (2048 programs) and 64 with 8 warps against 32; the
# read kernel's output block 32 and 128 against 64 (K = V = 128); the WY backward in 8 warps (Gated DeltaNet's
# gated, gauged WY backward holds 255 registers and spills 12 B at K = 128 in 4; session 42 measured 8 slower for
# DeltaNet before the order changed).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 575 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet,deltanet --bench-shape 4,4096,64,128 \
  --variants "PASS_BV=16;PASS_BV=64,PASS_WARPS=8;READ_BO=32;READ_BO=128;WYB_WARPS=8" --budget 560 --out "$OUT/blocks_delta" 2>&1 \
  | quiet | grep -v "^variant sweep" | tail -10
echo "all done at ${SECONDS}s"
