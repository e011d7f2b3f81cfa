#!/usr/bin/env bash
# Session 41, call 4 (one H200, about four minutes of budget left): call 3 found the chunk-level adjoint's pass the
# largest launch at 4x4096x64x128 (2.29 ms, 1024 programs at one per SM: 118784 B of shared memory with two stages).
# One stage there, and Gated DeltaNet's row at 8x1024x8x64 that call 3 skipped.
set -u
export TRITON_INTERPRET=0
quiet() { grep -v -i "warning:\|warnings.warn\|online softmax\|split the reduction\|important use case\|^$\|_warn_once"; }
for spec in deltanet gated_deltanet; do
  timeout 75 python3 benchmarks/host_ab.py --specs $spec --shapes 4,4096,64,128 --variants \
    "CHUNK_ADJOINT=1,R0_TILE_BF16=1;CHUNK_ADJOINT=1,R0_TILE_BF16=1,PASS_STAGES=1" --rounds 2 --no-fla 2>&1 | quiet
done
timeout 50 python3 benchmarks/host_ab.py --specs gated_deltanet --shapes 8,1024,8,64 --variants \
  "CHUNK_ADJOINT=1,R0_TILE_BF16=1" --rounds 3 --no-fla 2>&1 | quiet
echo "all done at ${SECONDS}s"
