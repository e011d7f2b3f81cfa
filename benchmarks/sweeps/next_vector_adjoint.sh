#!/usr/bin/env bash
# Superseded: session 62 ran these variants as sweeps/s62_call1.sh (RESULTS "Session 62") and removed the chunk
# form (PAIRS_FORM), so this script's last two variants now time the default form. Kept as session 61's record.
# For the next session (one GPU, about 9 minutes, timeout_s 590), written in session 61: KDA and RWKV-7 at
# 4x4096x64x128 through the per-dimension gate's chunk-level adjoint (CHUNK_ADJOINT=1; session 61, call 3, H100:
# KDA 43.06 ms against the rescan's 38.25, RWKV-7 51.15 against 51.44, with _gated_pairs_kernel's products through
# the decays 10.4 ms of it), each variant in its own process, checked at gate x1 and x10: the products one program
# per (chunk, 16-row block) as timed (PAIRS_FORM=blocks, now its loop on two warps again) against one program per
# (chunk, key block) with the diagonal blocks as masked products (PAIRS_FORM=chunk, built after the calls), in key
# blocks of 32 and 64. Make CHUNK_ADJOINT the default for a per-dimension gate (AdjointPlan.chunk_level_default)
# where it wins with the checks green; then KDA's and RWKV-7's table rows (next_second_call.sh, SHAPE=...).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 570 python3 benchmarks/variant_sweep.py --isolate --specs kda,rwkv7 --bench-shape 4,4096,64,128 \
  --variants "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,PAIRS_FORM=chunk;CHUNK_ADJOINT=1,PAIRS_FORM=chunk,PAIRS_BK=64" \
  --budget 520 --out "$OUT/vec_adjoint" 2>&1 | quiet | grep -v "^variant sweep" | tail -10
echo "all done at ${SECONDS}s"
