#!/usr/bin/env bash
# The next session's second call (one GPU, about 7 minutes, timeout_s 590), written in session 60, each variant in
# its own process, checked at gate x1 and x10 (next_first_call.sh did GLA with bit 16, the delta rule
# with bit 32 and CA_D0_BF16):
# (1) the grid order's bit 16 (the read-outs from pair scores) for RWKV-6 at 4x4096x64x128, KDA and RWKV-7 at
#     2x16384x16x128;
# (2) bit 64 (the state pass's key blocks next to each other within a value block: the storing passes without
#     rank-one factors split K = 128 in blocks of 64 or 32) for GLA and Mamba-2 at 4x4096x64x128 (71 = 7 + 64).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 100 python3 benchmarks/variant_sweep.py --isolate --specs rwkv6 --bench-shape 4,4096,64,128 \
  --variants "GRID_VADJ=63" --budget 90 --out "$OUT/vadj63_rwkv6" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "rwkv6 done at ${SECONDS}s"
timeout 260 python3 benchmarks/variant_sweep.py --isolate --specs kda,rwkv7 --bench-shape 2,16384,16,128 \
  --variants "GRID_VADJ=63" --budget 245 --out "$OUT/vadj63_kda_rwkv7" 2>&1 | quiet | grep -v "^variant sweep" | tail -4
echo "kda/rwkv7 done at ${SECONDS}s"
timeout 190 python3 benchmarks/variant_sweep.py --isolate --specs gla,mamba2 --bench-shape 4,4096,64,128 \
  --variants "GRID_VADJ=71" --budget 175 --out "$OUT/vadj71_gla_mamba2" 2>&1 | quiet | grep -v "^variant sweep" \
  | tail -4
echo "all done at ${SECONDS}s"
