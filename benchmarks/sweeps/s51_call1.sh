#!/usr/bin/env bash
# Session 51, first call (one H200). About 8 minutes: timeout_s 590.
# (1) GPU tests: kernelized scores (fp32 on the GPU) and the wide-key test (Based at F = 273).
# (2) Based's speed with kernelized scores against the feature rows (LINDSL_TUNE_KERNEL_SCORES=0), each in its own
#     process, at both of its shapes, with the bf16 check.
# (3) Mamba-2's rows backward against the compiled epilogue and the eager glue (session 47's open question).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 150 python3 -m pytest -q -n 5 -p no:cacheprovider tests/test_kernel_scores.py \
  "tests/test_triton_interpret.py::test_keys_wider_than_256_read_in_key_blocks" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
for ks in 1 0; do
  echo "== KERNEL_SCORES=$ks"
  LINDSL_TUNE_KERNEL_SCORES=$ks timeout 140 python3 benchmarks/based_bench.py \
    --shapes 8x2048x16x16x64,1x16384x16x16x64 2>&1 | quiet
  echo "based KERNEL_SCORES=$ks done at ${SECONDS}s"
done
timeout 150 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "ROWS_GRAD=0;BWD_GLUE=eager" --budget 130 --out "$OUT/m2_isolate" 2>&1 | quiet | tail -8
echo "all done at ${SECONDS}s"
