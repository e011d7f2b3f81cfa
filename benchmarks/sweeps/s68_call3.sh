#!/usr/bin/env bash
# Session 68, call 3 (one GPU): the GPU tests of the tests that ran on CPU tensors in call 1 (now on the GPU) and of
# the new defaults, then issue 4's table at 4x4096x64x128 for every fla-covered family on the current code (one wave
# of seven processes, each family checked at gate x1 and x10 at 2x4096x8x128 first: the "h16" tag carries the checks).
# Argument: the call's timeout_s.
set -u
export TRITON_INTERPRET=0
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 75 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_grid_order.py \
  tests/test_chunk_adjoint.py tests/test_scan_fusions.py tests/test_scan_boundary.py \
  -k "grid or du_made_from_dv or as_accurate_as_the_default or intermediates or fold_b or boundary" \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
left=$((LIMIT - SECONDS - 15))
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 dn:deltanet gdn:gated_deltanet kda:kda rwkv7:rwkv7 rwkv6:rwkv6" \
  TABLE_GPU1="" WITH_D256=0 TABLE_SHAPES="h16:4,4096,64,128" DEADLINE=$((left - 130)) JOB_TIMEOUT=$left \
  bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
