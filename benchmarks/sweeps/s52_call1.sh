#!/usr/bin/env bash
# Session 52, first call (one GPU). About 7 minutes: timeout_s 590.
# (1) GPU tests with the fast launch (triton_engine._Launched, the default): its own test (every hit checked against
#     Triton's cache key, results bit for bit against launching through Triton), the rows kernels, the fused step,
#     the kernelized scores.
# (2) Checks (bf16 at 2x1024x4x128 against fp64) of every fla-covered family with every fast hit checked
#     (LINDSL_CHECK_LAUNCH=1).
# (3) The fast launch against Triton's (LINDSL_TUNE_FAST_LAUNCH=0) interleaved in one process per spec and shape
#     (host_ab.py, with fla in the same rounds): host-bound shapes, and Mamba-2 at 2x16384x16x128 (its forward's wall
#     0.88 ms against 0.64 of kernels, session 47).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
python3 -c "import torch, triton; print(torch.__version__, triton.__version__, torch.cuda.get_device_name())"
timeout 170 python3 -m pytest -q -n 6 -p no:cacheprovider tests/test_fast_launch.py tests/test_kernel_scores.py \
  tests/test_fused_step.py tests/test_rows_kernels.py > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
CHECK_TIMEOUT=150 checks fast "mamba2:1,10 retnet:1 gla:1,10 hgrn2:1 rwkv6:1 deltanet:1 gated_deltanet:1,10 kda:1 rwkv7:1" \
  LINDSL_CHECK_LAUNCH=1 | grep -v "^    "
echo "checks done at ${SECONDS}s"
ab() { timeout 170 python3 benchmarks/host_ab.py --specs "$1" --shapes "$2" --variants "FAST_LAUNCH=0" --rounds 5 2>&1 | quiet; }
ab mamba2 4,2048,16,128 > "$OUT/ab1.txt" & ab gated_deltanet 4,2048,16,128 > "$OUT/ab2.txt" & wait
ab gla 8,1024,8,64 > "$OUT/ab3.txt" & ab retnet 8,1024,8,64 > "$OUT/ab4.txt" & wait
ab mamba2 2,16384,16,128 > "$OUT/ab5.txt" & ab kda 4,2048,16,128 > "$OUT/ab6.txt" & wait
cat "$OUT"/ab?.txt
echo "all done at ${SECONDS}s"
