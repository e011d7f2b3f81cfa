#!/usr/bin/env bash
# The next session's third call (one H200), written in session 52, kept in sessions 53 and 54 (session 53's rows ran
# on H100s, session 54 had no device): the host-bound rows (4x2048x16x128, 8x1024x8x64) of every fla-covered family
# with the fast kernel launch (session 52), both libraries in the same runs, two processes at a time, checks at gate
# x1 and x10 first: the table's rows at these shapes are all from before it. About 8 minutes (session 52, call 3, on
# the H100: 482 s).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=110 \
  JOB_TIMEOUT=140 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
