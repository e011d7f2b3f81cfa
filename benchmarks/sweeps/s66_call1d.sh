#!/usr/bin/env bash
# Session 66, call 1 cut to its first two parts (one GPU, timeout_s 190: the budget left after ten refusals).
# (1) GPU tests of session 63's defaults and of the fold's b; (2) Gated DeltaNet with the fold's b written
# (FOLD_B_OMIT=0) against the default that leaves it to the scan (chunk_scan_triton's fold_b_unmade), 4x4096x64x128,
# the checks (a forward without gradients among them) on the GPU.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 70 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_grid_order.py \
  tests/test_chunk_adjoint.py tests/test_scan_fusions.py -k "grid or du_made_from_dv or as_accurate_as_the_default or intermediates or fold_b" \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 105 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet --bench-shape 4,4096,64,128 \
  --variants "FOLD_B_OMIT=0" --budget 92 --out "$OUT/fold_b" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "all done at ${SECONDS}s"
