#!/usr/bin/env bash
# Session 62's first call (one GPU, about 9 minutes, timeout_s 590): KDA and RWKV-7 at 4x4096x64x128 through the
# per-dimension gate's chunk-level adjoint (CHUNK_ADJOINT=1) with the forms of its gated pair products against the
# default rescan, each variant in its own process, checked at gate x1 and x10: PAIRS_FORM=blocks (the path's
# default: one program per (chunk, 16-row block, key block of 64) and direction, two launches), PAIRS_ONE=1 (the
# same programs doing both directions, one launch: fla's layout), PAIRS_FORM=chunk (one program per (chunk, key
# block of 32 or 16) for both directions, the diagonal blocks' decays shared); the last three built in sessions
# 61-62, never timed. Then KDA by launch through the chunk form beside fla's launches (its configs pinned).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 260 python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 4,4096,64,128 \
  --variants "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,PAIRS_ONE=1;CHUNK_ADJOINT=1,PAIRS_FORM=chunk;CHUNK_ADJOINT=1,PAIRS_FORM=chunk,PAIRS_BK=16" \
  --budget 245 --out "$OUT/vec_adjoint_kda" 2>&1 | quiet | grep -v "^variant sweep" | tail -6
echo "kda done at ${SECONDS}s"
timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 --bench-shape 4,4096,64,128 \
  --variants "CHUNK_ADJOINT=1,PAIRS_ONE=1;CHUNK_ADJOINT=1,PAIRS_FORM=chunk" \
  --budget 160 --out "$OUT/vec_adjoint_rwkv7" 2>&1 | quiet | grep -v "^variant sweep" | tail -4
echo "rwkv7 done at ${SECONDS}s"
LINDSL_TUNE_CHUNK_ADJOINT=1 LINDSL_TUNE_PAIRS_FORM=chunk timeout $((575 - SECONDS)) python3 benchmarks/launch_trace.py \
  --specs kda --shape 4,4096,64,128 --fla --min-us 40 --out "$OUT/ca_chunk" 2>&1 | quiet | tail -60
echo "all done at ${SECONDS}s"
