#!/usr/bin/env bash
# The next session's first call (one H200), written in session 50. About 7 minutes: timeout_s 590.
# (1) The wide-key GPU tests (Based at F = 273: chunks of 32, the stored-state read by default, fused on request).
# (2) Based's speed with session 50's rule at both of its shapes (only 8x2048x16 was timed with it).
# (3) Mamba-2's rows backward against the compiled epilogue and the eager glue (session 47's open question).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 100 python3 -m pytest -q -n 5 -p no:cacheprovider -k "wider" tests/test_triton_interpret.py \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
timeout 150 python3 benchmarks/based_bench.py --shapes 8x2048x16x16x64,1x16384x16x16x64 2>&1 | quiet
echo "based done at ${SECONDS}s"
timeout 200 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "ROWS_GRAD=0;BWD_GLUE=eager" --budget 170 --out "$OUT/m2_isolate" 2>&1 | quiet | tail -8
echo "all done at ${SECONDS}s"
