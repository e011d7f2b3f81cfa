#!/usr/bin/env bash
# The next session's second call (one GPU), written in session 54 from session 53's next first call, the rows tests
# added in session 55: about 6 minutes, timeout_s 420.
# (1) GPU tests of the fast launch (plans found by the arguments' values, session 53), the kernelized scores and the
#     rows kernels (session 55's merged rows backward, bf16 on the GPU).
# (2) The host's microseconds per launch (Triton's parts against the fast launch) and the enqueue time of a
#     forward+backward at the host-bound shape: what sessions 53's and 54's eager-operation cuts did to the host.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 210 python3 -m pytest -q -n 6 -p no:cacheprovider tests/test_fast_launch.py tests/test_kernel_scores.py \
  tests/test_rows_kernels.py \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 60 python3 benchmarks/launch_cost.py --specs mamba2 --reps 200 2>&1 | quiet
timeout 100 python3 benchmarks/host_split.py --specs mamba2,retnet,gated_deltanet,kda,rwkv7 --shapes "4,2048,16,128" 2>&1 | quiet
echo "all done at ${SECONDS}s"
