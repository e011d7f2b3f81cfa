#!/usr/bin/env bash
# Session 59 call 5: every fla-covered family's row at 1x8192x96x128 on the current code (the table's rows there
# were the H200's from sessions 47-49), four processes at a time, each family checked at gate x1 and x10 first.
set -u
export TRITON_INTERPRET=0
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 MAX_PROCS=4 TABLE_SHAPES="h16:1,8192,96,128" CHECK_SHAPE=2,4096,8,128 \
  DEADLINE=150 JOB_TIMEOUT=190 timeout 420 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
