#!/usr/bin/env bash
# Session 50, call 2 (one H200). About 8 minutes: timeout_s 590.
# (1) the wide-key GPU test again (fp32 Based now halves its chunk: call 1 found the fused pass asking 256 KiB of
#     shared memory), then the wide read's miscompile by key width: 273 (rows of 546 bytes), 272, 280 and 288 (rows a
#     multiple of 16 bytes). If only the unaligned widths fail, padding the feature rows is the way around it.
# (2) next_second_call.sh: Mamba-2's rows backward against the compiled epilogue and the eager glue (own processes),
#     and the host-bound rows of the six families whose rows there are session 38's.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 90 python3 -m pytest -q -n 4 -p no:cacheprovider -k "wider" tests/test_triton_interpret.py > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
for K in 273 272 280 288; do
  echo "K = $K"
  timeout 60 python3 benchmarks/wide_read_repro.py --K $K \
    --configs "FUSE_READS=1;FUSE_READS=0;FUSE_READS=0,READ_BK=32;FUSE_READS=0,READ_BK=128" 2>&1 | quiet
done
echo "repro done at ${SECONDS}s"
bash benchmarks/sweeps/next_second_call.sh
