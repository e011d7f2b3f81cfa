#!/usr/bin/env bash
# Session 59 call 3 (code: the fusions on by default, SKIP_IN_READ=2, VALUE_SCALE=1).
# (1) The fusions' GPU tests, the new default's test among them.
# (2) Mamba-2 at 4x4096x64x128 again: the new default against both off and against the skip term alone in the
#     fused pass (call 2 had the value scale alone there 1.493 ms against 1.328 off and 1.243 both: noise or not).
# (3) The rank-one state pass's value blocks at K = 64 (the rule's K = 128 branch does not apply; call 1-2 traces at
#     8x1024x8x64: ours 64 programs, 34.8 us DeltaNet / 41.2 us Gated DeltaNet against fla's 13.4 / 18.8):
#     STATE_BV=32 and 16, checked at K = 64.
# (4) Gated DeltaNet's launches at 4x4096x64x128 with fla's (which phase holds it at 0.64x).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 100 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_scan_fusions.py \
  -k "by_default or mamba2" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 130 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 4,4096,64,128 \
  --variants "SKIP_IN_READ=0,VALUE_SCALE=0;SKIP_IN_READ=2,VALUE_SCALE=0" --budget 100 --out "$OUT/mamba2" \
  2>&1 | quiet | grep -v "^variant sweep" | tail -3
echo "mamba2 done at ${SECONDS}s"
timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs deltanet,gated_deltanet --bench-shape 8,1024,8,64 \
  --check-shape 2,1024,8,64 --variants "STATE_BV=32;STATE_BV=16" --budget 140 --out "$OUT/state_bv" \
  2>&1 | quiet | grep -v "^variant sweep" | tail -6
echo "state_bv done at ${SECONDS}s"
timeout 110 python3 benchmarks/launch_trace.py --specs gated_deltanet --shape 4,4096,64,128 --fla \
  --out "$OUT" 2>&1 | quiet > "$OUT/trace_4x4096x64x128.txt"
cut -c1-150 "$OUT/trace_4x4096x64x128.txt" | head -70
echo "all done at ${SECONDS}s"
