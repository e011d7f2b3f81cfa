#!/usr/bin/env bash
# Session 68, call 3 (one GPU): issue 4's table at 4x4096x64x128 on the current code for the families whose default
# kernels session 68 changed (Mamba-2, GLA, HGRN2, RWKV-6: the boundary sums in the rescan's pass; KDA and RWKV-7:
# 64-wide state passes and read-outs by halves; RWKV-7's row sums in its pass), one wave of five processes, each
# family checked at gate x1 and x10 at 2x4096x8x128 first (the "h16" tag carries the checks). With TESTS=1 the GPU
# tests of the chunk-level adjoint and the scans' boundary first. Argument: the call's timeout_s.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
[ "${TESTS:-0}" = 1 ] && gpu_tests "grid or du_made_from_dv or as_accurate_as_the_default or intermediates or fold_b or boundary" \
  tests/test_grid_order.py tests/test_chunk_adjoint.py tests/test_scan_fusions.py tests/test_scan_boundary.py
left=$((LIMIT - SECONDS - 10))
TABLE_GPU0=${TABLE_GPU0:-"m2:mamba2 gla:gla,hgrn2 kda:kda rwkv7:rwkv7 rwkv6:rwkv6"} \
  TABLE_GPU1="" WITH_D256=0 TABLE_SHAPES="h16:4,4096,64,128" DEADLINE=$((left - 110)) JOB_TIMEOUT=$left \
  bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
