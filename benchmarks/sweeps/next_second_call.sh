#!/usr/bin/env bash
# The next session's second call (one GPU, about 9 minutes, timeout_s 590), written in session 57: the
# 4x4096x64x128 rows of every fla-covered family against fla and SDPA on the current code (the table's rows there
# are sessions 47-49's, from before sessions 52-57), two processes at a time, each family checked at gate x1 and x10
# first. sweeps/next_fourth_call.sh does the same at 1x8192x96x128. (Session 54's second call, the fast launch's
# tests and host microseconds, is covered by next_first_call.sh's tests.)
set -u
# (the shape group is tagged h16: the checks ride with that tag in table_call.sh)
export TRITON_INTERPRET=0
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 TABLE_SHAPES="h16:4,4096,64,128" CHECK_SHAPE=2,4096,8,128 DEADLINE=130 \
  JOB_TIMEOUT=160 timeout 580 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
