#!/usr/bin/env bash
# Session 45's one call (lent at the session's end, ~20 minutes left): the current code (session 45's memory
# changes, CPU-checked only until now) on the H200: GPU tests of the rank-one specs, checks at gate x1 and x10, and
# the kernel-bound table rows of the four families whose backward changed most, at 2x16384x16x128 with fla in the
# same processes (speed, and peak memory against mem_cpu's counts).
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
timeout 80 python3 -m pytest -q -n 8 -p no:cacheprovider -k "delta or mom or kda or mamba2" \
  "tests/test_triton_interpret.py::test_rank_one_bf16_gradients_at_small_k_over_chunks" \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
CHECK_TIMEOUT=70 checks "default:" "gated_deltanet:1,10 deltanet:10 kda:10 mamba2:10"
echo "checks done at ${SECONDS}s"
TABLE_GPU0="gdn:gated_deltanet dn:deltanet kda:kda m2:mamba2" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=4 \
  TABLE_SHAPES="t16k:2,16384,16,128" DEADLINE=150 JOB_TIMEOUT=190 bash benchmarks/sweeps/table_call.sh
cat "$OUT"/g0/*.log 2>/dev/null | grep "^|" | head -20
echo "all done at ${SECONDS}s"
