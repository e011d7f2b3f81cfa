#!/usr/bin/env bash
# Session 58, call 2: the first call's GPU tests were cut at 240 s with ~25 failures and no names; rerun them verbose.
set -u
export TRITON_INTERPRET=0
timeout 330 python3 -m pytest -n 14 -v --tb=short -rf -p no:cacheprovider -p no:benchmark tests/test_rows_kernels.py \
  tests/test_fast_launch.py tests/test_fused_step.py tests/test_decode.py tests/test_kernel_scores.py \
  "tests/test_triton_interpret.py::test_adjoint_sources_in_place_by_default" > "$OUT/tests.txt" 2>&1
grep -E " FAILED | ERROR " "$OUT/tests.txt" | sed 's/^\[gw[0-9]*\] *\[ *[0-9]*%\] *//' | sort | head -60
grep -E "passed|failed" "$OUT/tests.txt" | tail -3
echo "done at ${SECONDS}s"
