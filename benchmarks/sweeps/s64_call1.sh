#!/usr/bin/env bash
# Session 64's first call (one GPU, about 9 minutes, timeout_s 590; device time was short after refusals, so the
# measurements the "done when" needs come first):
# (1) KDA's forward+backward by launch beside fla's at 4x4096x64x128 (fla's configs pinned): which phases hold the
#     lowest family back (every phase of its forward was slower than fla's by the phase sums);
# (2) the Gated DeltaNet and DeltaNet table rows at 4x4096x64x128 and 2x16384x16x128 on session 63's defaults
#     (the table's rows predate them by about 2.5 %), against fla and SDPA, checks at gate x1 and x10;
# (3) if time is left, GPU tests of session 63's defaults (the grid order's bit 32, du from dv, bf16 pair terms).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 190 python3 benchmarks/launch_trace.py --specs kda --fla --shape 4,4096,64,128 --min-us 40 \
  --out "$OUT/trace_kda" 2>&1 | quiet | head -60
echo "trace done at ${SECONDS}s"
TABLE_GPU0="dn:deltanet gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 \
  TABLE_SHAPES="h16:4,4096,64,128;2,16384,16,128" CHECK_SHAPE=2,4096,8,128 DEADLINE=150 JOB_TIMEOUT=260 \
  timeout 270 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 480 ] && timeout $((575 - SECONDS)) python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_grid_order.py \
  tests/test_chunk_adjoint.py -k "grid or du_made_from_dv or as_accurate_as_the_default or intermediates" \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
echo "all done at ${SECONDS}s"
