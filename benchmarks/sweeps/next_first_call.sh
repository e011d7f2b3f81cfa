#!/usr/bin/env bash
# The next session's first call (one H200), written in session 50 (whose device loans failed after its first call).
# About 8 minutes: timeout_s 590.
# (1) The wide-key GPU tests (Based at F = 273 in fp32 and bf16: session 50's chunk rule for fp32 wide keys, and the
#     padded-keys trial, PAD_KEYS=1 with the stored-state read), then the wide read's miscompile by key width: 273
#     (rows of 546 bytes), 272, 280, 288 (rows of whole 16-byte words) and 273 padded. If only the unaligned widths
#     fail, PAD_KEYS goes on above 256 and the forward there leaves its fused pass (NOTES v50).
# (2) Based's speed: the default (fused forward) against the stored-state read on padded keys, own processes.
# (3) Mamba-2's rows backward against the compiled epilogue and the eager glue (session 47's open question).
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
timeout 200 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "ROWS_GRAD=0;BWD_GLUE=eager" --budget 170 --out "$OUT/m2_isolate" 2>&1 | quiet | tail -8
echo "all done at ${SECONDS}s"
