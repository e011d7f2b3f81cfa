#!/usr/bin/env bash
# Session 61's call (one GPU, about 9 minutes, timeout_s 590): the chunk-level adjoint for a per-dimension key gate
# (built this session, LINDSL_TUNE_CHUNK_ADJOINT=1; KDA's and RWKV-7's default backward is the token-level rescan).
# (1) GPU tests of it (test_chunk_adjoint.py: the kernels against engine.chunk_adjoint, the library specs through it);
# (2) KDA and RWKV-7 at 4x4096x64x128, each variant in its own process, checked at gate x1 and x10: the rescan
#     (default) against CHUNK_ADJOINT=1, and with the adjoint pass in 16-wide value blocks (its GK 2 pass spills
#     84-132 B at K = 128 in blocks of 32, ptxas).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 100 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_chunk_adjoint.py \
  -k "vector or per_dimension or library_backward" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 470 python3 benchmarks/variant_sweep.py --isolate --specs kda,rwkv7 --bench-shape 4,4096,64,128 \
  --variants "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,PASS_BV=16" --budget 455 --out "$OUT/vec_adjoint" 2>&1 | quiet \
  | grep -v "^variant sweep" | tail -8
echo "all done at ${SECONDS}s"
