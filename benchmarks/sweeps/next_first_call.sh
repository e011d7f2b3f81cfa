#!/usr/bin/env bash
# The next session's first call (one GPU), written in session 53 (whose last changes were checked on the CPU only:
# no device time was left). About 5 minutes: timeout_s 420.
# (1) The backward with an unused final state's cotangent left None (session 53: set_materialize_grads(False);
#     _gate_grad_kernel's HAS_FIN, the chunk-level adjoint pass's HAS_DST) against the explicit zero cotangent, bf16,
#     and the checks against fp64 (their loss takes the final state: the other path): sweeps/s53_call6.sh.
# (2) GPU tests of the fast launch (plans found by the arguments' values, session 53) and the kernelized scores.
# (3) The host's microseconds per launch (Triton's parts against the fast launch) and the enqueue time of a
#     forward+backward at the host-bound shape: what session 53's eager-operation cuts did to the host.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
bash benchmarks/sweeps/s53_call6.sh
timeout 150 python3 -m pytest -q -n 6 -p no:cacheprovider tests/test_fast_launch.py tests/test_kernel_scores.py \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 60 python3 benchmarks/launch_cost.py --specs mamba2 --reps 200 2>&1 | quiet
timeout 100 python3 benchmarks/host_split.py --specs mamba2,retnet,gated_deltanet,kda --shapes "4,2048,16,128" 2>&1 | quiet
echo "all done at ${SECONDS}s"
