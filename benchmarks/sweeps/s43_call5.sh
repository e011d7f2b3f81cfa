#!/usr/bin/env bash
# Session 43, call 5 (one H200): the chunk-level adjoint's WY backward in tf32 below K = 64 (call 4: its bf16
# products carried Gated DeltaNet's gradient errors at K = 16): the probe's errors with no knob set, and the GPU tests
# that failed in call 2 with the rank-one specs' others.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
PROBE=fixed timeout 90 python3 benchmarks/sweeps/s43_probe2.py 2>&1 | grep -v -i warn
echo "probe done at ${SECONDS}s"
timeout 100 python3 -m pytest -q -n 8 -p no:cacheprovider -k "delta or mom or hilo or exact_state_pass" \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" \
  "tests/test_triton_interpret.py::test_hilo_products_keep_the_fp32_operand_to_about_16_bits" \
  "tests/test_triton_interpret.py::test_gated_delta_rule_exact_state_pass_precisions" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "all done at ${SECONDS}s"
