#!/usr/bin/env bash
# Session 50, call 2 (one H200). About 5 minutes: timeout_s 400 (the budget left after failed loan starts).
# (1) the wide-key GPU test (fp32 Based now halves its chunk: call 1 found the fused pass asking 256 KiB of shared
#     memory; the new pad variants run the stored-state read at keys padded to 288), then the wide read's miscompile
#     by key width: 273 (rows of 546 bytes), 272, 280, 288 (rows whole 16-byte words) and 273 padded (PAD_KEYS). If
#     only the unaligned widths fail, padding the rows is the way around it.
# (2) Based's speed: the default (fused forward) against the stored-state read on padded keys, own processes.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 100 python3 -m pytest -q -n 5 -p no:cacheprovider -k "wider or padded_keys" tests/test_triton_interpret.py \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
for K in 273 272 280 288; do
  echo "K = $K"
  timeout 60 python3 benchmarks/wide_read_repro.py --K $K \
    --configs "FUSE_READS=0;FUSE_READS=0,READ_BK=32;FUSE_READS=0,PAD_KEYS=1" 2>&1 | quiet
done
echo "repro done at ${SECONDS}s"
for variant in "" "LINDSL_TUNE_PAD_KEYS=1 LINDSL_TUNE_FUSE_READS=0"; do
  echo "based: ${variant:-default}"
  env $variant timeout 100 python3 benchmarks/based_bench.py --shapes 8x2048x16x16x64,1x16384x16x16x64 2>&1 | quiet
done
echo "based done at ${SECONDS}s"
echo "all done at ${SECONDS}s"
