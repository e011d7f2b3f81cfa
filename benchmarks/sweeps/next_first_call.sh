#!/usr/bin/env bash
# The next session's first call (one H200), written in session 51, kept in session 52 (both sessions' calls ran on an
# H100). About 6 minutes: timeout_s 590.
# (1) GPU tests: kernelized scores, the wide-key test (Based at F = 273) and the fast kernel launch (session 52).
# (2) Based's table on the H200 with kernelized scores (both shapes); in (4) the A/B against the feature rows
#     interleaved in one process (session 51 on the H100: forward 1.65 -> 1.17 ms, forward+backward 6.26 -> 5.17).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
python3 -c "import torch, triton; print(torch.__version__, triton.__version__, torch.cuda.get_device_name())"
timeout 150 python3 -m pytest -q -n 5 -p no:cacheprovider tests/test_kernel_scores.py tests/test_fast_launch.py \
  "tests/test_triton_interpret.py::test_keys_wider_than_256_read_in_key_blocks" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
# the host's microseconds per launch: Triton's JITFunction.run and its parts against the fast launch (session 52)
timeout 90 python3 benchmarks/launch_cost.py --specs mamba2 --reps 200 2>&1 | quiet
# (3) Chunks of 64 at F = 273 once the pair scores come from the bases (session 50's wrong bf16 products were the
#     read's in chunks of 64 over the wide keys): the feature-row read (expected wrong) and the kernelized one
timeout 60 python3 benchmarks/wide_read_repro.py --chunk 64 --configs "FUSE_READS=0" 2>&1 | quiet
timeout 60 python3 benchmarks/wide_read_repro.py --taylor 16 --chunk 64 --configs "FUSE_READS=0" 2>&1 | quiet
timeout 150 python3 benchmarks/based_bench.py --shapes 8x2048x16x16x64,1x16384x16x16x64 2>&1 | quiet
echo "based table done at ${SECONDS}s"
# (4) Interleaved in one process: the feature-row scores, and the adjoint's sources read reversed in place instead of
#     flipped copies (two 273-wide copies, 96 us each on the H100)
timeout 200 python3 benchmarks/based_ab.py --variants "KERNEL_SCORES=0;REV_SOURCES=1" 2>&1 | quiet
echo "all done at ${SECONDS}s"
