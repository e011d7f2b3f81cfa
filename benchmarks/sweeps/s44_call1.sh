#!/usr/bin/env bash
# Session 44, call 1 (one H200): (1) compute-sanitizer on session 43's illegal memory access with
# LINDSL_TUNE_WY_REUSE=0 (Gated DeltaNet, K = 16; a knob path), at most 120 s; (2) the GPU tests of session 43's
# small-K test (every rank-one spec at K = V = 16 over three chunks, bf16 against fp64: KDA and RWKV-7 never ran on
# the H200) and every library spec's Triton-equals-torch test; (3) the launches of Gated DeltaNet's and DeltaNet's
# forward+backward at 2x16384x16x128, lindsl's and fla's (fla's backward per kernel: the targets of the next
# kernels). About 6 minutes: timeout_s 560.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
CS=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
if [ -n "$CS" ]; then
  PROBE=reuse timeout 120 "$CS" --tool memcheck --print-limit 6 python3 benchmarks/sweeps/s43_probe2.py \
    > "$OUT/sanitizer.txt" 2>&1
  grep -E "Invalid|of size|at .*kernel|Address|ERROR SUMMARY|is out of bounds|WY_REUSE" "$OUT/sanitizer.txt" | head -30
else
  echo "no compute-sanitizer"
fi
echo "sanitizer done at ${SECONDS}s"
timeout 170 python3 -m pytest -q -n 8 -p no:cacheprovider \
  "tests/test_triton_interpret.py::test_rank_one_bf16_gradients_at_small_k_over_chunks" \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed|rel_err|assert" "$OUT/tests.txt" | head -30
echo "tests done at ${SECONDS}s"
timeout 150 python3 benchmarks/launch_trace.py --specs gated_deltanet,deltanet --fla --shape 2,16384,16,128 \
  --min-us 15 --out "$OUT" 2>&1 | quiet
echo "all done at ${SECONDS}s"
