#!/usr/bin/env bash
# Session 37 call 1 (one H200). (1) Why the rows kernels' gradient tests failed on the GPU in session 36's call 5,
# with pytest's full output kept in $OUT: the token-shift test alone first (it never takes the rows kernels: a failure
# there is the fp32 backward on the GPU at K = 5, V = 12, chunks of 16, or the harness), then every gradient test,
# stopping at the first failure. (2) Table rows (against fla) of the families whose backward copies session 36's
# review changed unmeasured: GLA, HGRN2, RWKV-6, KDA, RWKV-7 at 2x16384x16x128.
set -u
export TRITON_INTERPRET=0
timeout 70 python3 -m pytest -q -x -p no:cacheprovider tests/test_rows_kernels.py \
  -k "token_shifts_keep_the_torch_prologue_for_gradients" > "$OUT/token_shift.txt" 2>&1
tail -30 "$OUT/token_shift.txt"
timeout 100 python3 -m pytest -q -x -p no:cacheprovider tests/test_rows_kernels.py \
  -k "gradient" > "$OUT/gradients.txt" 2>&1
grep -E "^E |Error|passed|failed" "$OUT/gradients.txt" | head -30
echo "tests done at ${SECONDS}s"
OUT="$OUT/table" TABLE_SHAPES="h16:2,16384,16,128" CHECK_SHAPE=2,1024,4,128 \
  TABLE_GPU0="gla:gla hgrn2:hgrn2 rwkv6:rwkv6 kda:kda rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 \
  DEADLINE=250 JOB_TIMEOUT=320 bash benchmarks/sweeps/table_call.sh
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
