#!/usr/bin/env bash
# The next session's first call (one GPU, about 7 minutes, timeout_s 480), written in session 57 (its five calls on
# an H100: RESULTS "Session 57"; the changes after them unchecked on a GPU). Then next_second_call.sh (every
# family's 4x4096x64x128 row), next_third_call.sh (the host-bound rows, none of which is from the current code) and
# next_fourth_call.sh (1x8192x96x128), about 9 minutes each: the whole table on the current code.
# (1) The GPU tests of the rows kernels (session 57: passes, vector states, the gate-sums test now within fp32
#     rounding on a GPU), the fused decode step (session 57: vector states beside the matrix state), the fast
#     launch, the kernelized scores and the sources-in-place defaults.
# (2) Vector states in the rows kernels (new, on by default): linear_attn_normalized and hedgehog against the
#     compiled PyTorch prologue (ROWS=0), checked at gate x1 and x10, 2x16384x16x128.
# (3) Linear attention's adjoint sources in place (REV_SOURCES=1; off until checked on a GPU; RetNet and Lightning
#     took it in session 57: -0.11 ms at 2x16384x16x128).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 240 python3 -m pytest -q -n 6 -p no:cacheprovider tests/test_rows_kernels.py tests/test_fast_launch.py \
  tests/test_fused_step.py tests/test_decode.py \
  tests/test_kernel_scores.py "tests/test_triton_interpret.py::test_adjoint_sources_in_place_by_default" \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 190 python3 benchmarks/variant_sweep.py --isolate --specs linear_attn_normalized,hedgehog \
  --bench-shape 2,16384,16,128 --variants "ROWS=0" --budget 140 --out "$OUT/vector_rows" 2>&1 | quiet \
  | grep -v "^variant sweep"
timeout 110 python3 benchmarks/variant_sweep.py --isolate --specs linear_attn --bench-shape 2,16384,16,128 \
  --variants "REV_SOURCES=1" --budget 50 --out "$OUT/rev_linear" 2>&1 | quiet | grep -v "^variant sweep"
timeout 90 python3 benchmarks/decode_ab.py --specs linear_attn_normalized --batches 64,256 --variants "STEP=engine" \
  --rounds 3 2>&1 | quiet
echo "all done at ${SECONDS}s"
