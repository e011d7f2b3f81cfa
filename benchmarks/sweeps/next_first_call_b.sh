#!/usr/bin/env bash
# The next session's second call (one GPU, about 4 minutes, timeout_s 590), written in session 60: the grid order's
# bit 16 (the read-outs from pair scores) for KDA and RWKV-7 at 2x16384x16x128, each variant in its own process,
# checked at gate x1 and x10 (next_first_call.sh did GLA and RWKV-6).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 300 python3 benchmarks/variant_sweep.py --isolate --specs kda,rwkv7 --bench-shape 2,16384,16,128 \
  --variants "GRID_VADJ=63" --budget 280 --out "$OUT/vadj63_kda_rwkv7" 2>&1 | quiet | grep -v "^variant sweep" | tail -4
echo "all done at ${SECONDS}s"
