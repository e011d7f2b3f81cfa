#!/usr/bin/env bash
# The next session's first call (written in session 36; NOTES.md v37, order item 1): why the rows kernels' gradient
# tests failed on the GPU in session 36's call 5. Full pytest output kept in $OUT. (1) The token-shift test alone (it
# never takes the rows kernels: a failure there is the fp32 backward on the GPU at K = 5, V = 12, chunks of 16).
# (2) Every gradient test of tests/test_rows_kernels.py, stopping at the first failure, with the traceback.
# (3) If time is left, the whole file.
set -u
export TRITON_INTERPRET=0
timeout 90 python3 -m pytest -q -x -p no:cacheprovider tests/test_rows_kernels.py \
  -k "token_shifts_keep_the_torch_prologue_for_gradients" > "$OUT/token_shift.txt" 2>&1
tail -40 "$OUT/token_shift.txt"
timeout 120 python3 -m pytest -q -x -p no:cacheprovider tests/test_rows_kernels.py -k "gradient" \
  > "$OUT/gradients.txt" 2>&1
grep -E "^E |Error|passed|failed" "$OUT/gradients.txt" | head -40
[ "$SECONDS" -lt 300 ] && timeout $((500 - SECONDS)) python3 -m pytest -q -p no:cacheprovider \
  tests/test_rows_kernels.py > "$OUT/all.txt" 2>&1; tail -8 "$OUT/all.txt"
true
