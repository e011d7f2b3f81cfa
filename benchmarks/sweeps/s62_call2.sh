#!/usr/bin/env bash
# Session 62's second call (one GPU, about 5 minutes): whether the per-dimension gate's chunk-level adjoint
# (CHUNK_ADJOINT=1, its pair products in two launches of _gated_pairs_kernel) wins beyond call 1's one shape
# (4x4096x64x128, H100: RWKV-7 51.73 -> 48.84 ms with PAIRS_ONE=1, KDA 38.31 -> 40.51): RWKV-7 and KDA at
# 2x16384x16x128, and RWKV-7 at 4x4096x64x128 with the two launches, each variant in its own process, checked at
# gate x1 and x10.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 100 python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 --bench-shape 2,16384,16,128 \
  --variants "CHUNK_ADJOINT=1" --budget 95 --out "$OUT/rwkv7_2x16k" 2>&1 | quiet | grep -v "^variant sweep" | tail -3
echo "rwkv7 2x16k done at ${SECONDS}s"
timeout 100 python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 --bench-shape 4,4096,64,128 \
  --variants "CHUNK_ADJOINT=1" --budget 95 --out "$OUT/rwkv7_4x4k" 2>&1 | quiet | grep -v "^variant sweep" | tail -3
echo "rwkv7 4x4k done at ${SECONDS}s"
timeout 100 python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 2,16384,16,128 \
  --variants "CHUNK_ADJOINT=1" --budget 95 --out "$OUT/kda_2x16k" 2>&1 | quiet | grep -v "^variant sweep" | tail -3
echo "all done at ${SECONDS}s"
