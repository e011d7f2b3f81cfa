#!/usr/bin/env bash
# Session 57's second call (one GPU, about 7 minutes): the GPU tests of session 56's fixed test and this session's
# rows passes, then the large-shape rows (2x16384x16x128) of the six families the first call did not time, against
# fla and SDPA in the same run, two processes at a time, each family checked at gate x1 and x10 first.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 120 python3 -m pytest -q -x tests/test_rows_kernels.py -k "gate_sums_within or one_gradient" 2>&1 | tail -3
echo "tests done at ${SECONDS}s"
TABLE_GPU0="gla:gla,hgrn2 rwkv6:rwkv6 dn:deltanet gdn:gated_deltanet kda:kda rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 \
  MAX_PROCS=2 TABLE_SHAPES="h16:2,16384,16,128" DEADLINE=130 JOB_TIMEOUT=160 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
