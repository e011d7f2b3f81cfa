#!/usr/bin/env bash
# The next session's second call (one GPU, about 8 minutes, timeout_s 590), written in session 63:
# (1) the grid order's bit 16 for RWKV-6 (55 = the default 39 + 16) and bit 64 (the state pass's key blocks next to
#     each other within a value block; 103 = 39 + 64) for GLA and Mamba-2 at 4x4096x64x128, each variant in its own
#     process, checked at gate x1 and x10;
# (2) the Gated DeltaNet and DeltaNet table rows at 4x4096x64x128 and 2x16384x16x128 on session 63's new defaults
#     (the table's rows predate them by about 2.5 %), against fla and SDPA.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 100 python3 benchmarks/variant_sweep.py --isolate --specs rwkv6 --bench-shape 4,4096,64,128 \
  --variants "GRID_VADJ=55" --budget 90 --out "$OUT/vadj55_rwkv6" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
timeout 190 python3 benchmarks/variant_sweep.py --isolate --specs gla,mamba2 --bench-shape 4,4096,64,128 \
  --variants "GRID_VADJ=103" --budget 175 --out "$OUT/vadj103" 2>&1 | quiet | grep -v "^variant sweep" | tail -4
echo "variants done at ${SECONDS}s"
TABLE_GPU0="dn:deltanet gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 \
  TABLE_SHAPES="h16:4,4096,64,128;2,16384,16,128" CHECK_SHAPE=2,4096,8,128 DEADLINE=150 JOB_TIMEOUT=260 \
  timeout 270 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
