#!/usr/bin/env bash
# The next session's first call (one GPU, about 9 minutes, timeout_s 598), written in session 58 (its calls:
# RESULTS "Session 58"; the forward scan's two fusions built after them, unchecked on a GPU). Then
# next_fourth_call.sh (1x8192x96x128, the table's last rows from before session 52) and next_second_call.sh /
# next_third_call.sh again on the H200 (the table's other rows are the H100's).
# (1) The GPU tests of the forward scan's fusions (new, off by default) and of session 58's test fixes
#     (decode, sources in place), the rows kernels and the fused step (about 110 s with -n 14 in session 58).
# (2) The skip term in the read kernels (LINDSL_TUNE_SKIP_IN_READ: Mamba-2's o = S^T q + D v stored by the read
#     kernel, no epilogue launch) and the value's per-token scale (LINDSL_TUNE_VALUE_SCALE: without gradients the
#     scan takes v and dt, the prologue writes no dt v), each by session 58's rule (=1: the skip term where the reads
#     are not fused into the state pass, the value scale where they are) and everywhere (=2): Mamba-2 at
#     2x16384x16x128 (the separate read kernel: few long sequences) and 4x4096x64x128 (the fused state pass),
#     checked at gate x1 and x10. Session 58's one-process look (calls 5-6, H100): the rule's -0.09 and -0.12 ms of
#     forward. Flip the defaults to 1 if the rule wins in its own processes and the checks hold.
# (3) Gated DeltaNet, DeltaNet, RWKV-6 and GLA by launch at 8x1024x8x64 (session 58, forward+backward: Gated
#     DeltaNet 5.10 ms against DeltaNet's 1.72, fla's 4.37 against 2.05; RWKV-6 2.96 against GLA's 1.83): kernels or
#     host (the trace's kernel times against the wall).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 150 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_scan_fusions.py \
  tests/test_decode.py tests/test_rows_kernels.py tests/test_fused_step.py \
  "tests/test_triton_interpret.py::test_adjoint_sources_in_place_by_default" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
for shape in 2,16384,16,128 4,4096,64,128; do
  timeout 140 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape $shape \
    --variants "SKIP_IN_READ=1 VALUE_SCALE=1;SKIP_IN_READ=2 VALUE_SCALE=2" --budget 110 --out "$OUT/fusions_$shape" \
    2>&1 | quiet | grep -v "^variant sweep"
done
timeout 120 python3 benchmarks/launch_trace.py --specs gated_deltanet,deltanet,rwkv6,gla --shape 8,1024,8,64 --fla \
  --out "$OUT" 2>&1 | quiet > "$OUT/trace_8x1024x8x64.txt"
grep -v "^  " "$OUT/trace_8x1024x8x64.txt" | tail -20
echo "all done at ${SECONDS}s"
