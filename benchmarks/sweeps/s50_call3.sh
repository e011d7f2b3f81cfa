#!/usr/bin/env bash
# Session 50's second call (one H200; named call 3 when written, after a second script that never got a machine), cut
# to the device budget left after failed loan starts (about 4 minutes): the wide-key GPU tests, the wide read's
# miscompile at 273 and 288 keys and padded, Based at 8x2048x16 with the default (fused forward) and with the
# stored-state read on padded keys. (PAD_KEYS was removed after this call: it did not help.)
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 100 python3 -m pytest -q -n 5 -p no:cacheprovider -k "wider or padded_keys" tests/test_triton_interpret.py \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
for K in 273 288; do
  echo "K = $K"
  timeout 50 python3 benchmarks/wide_read_repro.py --K $K --configs "FUSE_READS=0;FUSE_READS=0,PAD_KEYS=1" 2>&1 | quiet
done
echo "repro done at ${SECONDS}s"
for variant in "" "LINDSL_TUNE_PAD_KEYS=1 LINDSL_TUNE_FUSE_READS=0"; do
  echo "based: ${variant:-default}"
  env $variant timeout 80 python3 benchmarks/based_bench.py --shapes 8x2048x16x16x64 --check 2x512x4x16x64 2>&1 | quiet
done
echo "all done at ${SECONDS}s"
