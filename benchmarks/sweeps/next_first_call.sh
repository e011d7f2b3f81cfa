#!/usr/bin/env bash
# The next session's first call (one GPU, about 7 minutes, timeout_s 590), written in session 59 (its calls: RESULTS
# "Session 59"; the folded values built after them, unchecked on a GPU). Then next_second_call.sh (4x4096x64x128)
# and next_fourth_call.sh (1x8192x96x128) where a default changed, on the H200 if one comes.
# (1) The GPU tests of the delta rule's folded values (tests/test_folded_values.py, new) and of the scan fusions.
# (2) LINDSL_TUNE_FOLDED_VALUES=1 (the forward's reads of (k', v' - s u) from the value rows the state pass stores;
#     predicted: the forward read kernel 1.08 -> about 0.6 ms for Gated DeltaNet at 4x4096x64x128 on an H100, session
#     59 call 3's trace) against the default, each in its own process, checked at gate x1 and x10: Gated DeltaNet,
#     DeltaNet at 4x4096x64x128 and 2x16384x16x128, KDA at 2x16384x16x128 (its sub-chunked reads). Make it the
#     default where it wins with the checks green (the forward with and without gradients both take it).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 150 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_folded_values.py \
  tests/test_scan_fusions.py > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
for shape in 4,4096,64,128 2,16384,16,128; do
  timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet,deltanet --bench-shape $shape \
    --variants "FOLDED_VALUES=1" --budget 140 --out "$OUT/folded_${shape//,/x}" 2>&1 | quiet | grep -v "^variant sweep" \
    | tail -4
done
timeout 120 python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 2,16384,16,128 \
  --variants "FOLDED_VALUES=1" --budget 90 --out "$OUT/folded_kda" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "all done at ${SECONDS}s"
