#!/usr/bin/env bash
# Session 61's third call: KDA and RWKV-7 at 4x4096x64x128, each variant in its own process, checked at gate x1 and
# x10: the rescan (default) against the per-dimension gate's chunk-level adjoint (CHUNK_ADJOINT=1) with its gate
# gradient in one launch, and with its adjoint reads' gated read-outs a whole chunk per program (GATED_ROWS=64; call
# 2's trace: a 9.1 ms _read_amat_gated_kernel launch in 16-row blocks, occupancy 0, where the rescan's takes 64),
# _gated_pairs_kernel's diagonal loops now unrolled, on four warps (ptxas: two spilled 948 B unrolled).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 440 python3 benchmarks/variant_sweep.py --isolate --specs kda,rwkv7 --bench-shape 4,4096,64,128 \
  --variants "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,GATED_ROWS=64" --budget 400 --out "$OUT/vec_adjoint" 2>&1 | quiet \
  | grep -v "^variant sweep" | tail -8
echo "all done at ${SECONDS}s"
