#!/usr/bin/env bash
# The next session's second call (one H200), written in session 49, kept in sessions 50-51 (session 51 ran it on an
# H100: RESULTS "Session 51", call 6): the host-bound rows (4x2048x16x128, 8x1024x8x64) of the six families whose
# table rows there are session 38's (before session 45's memory changes), two processes at a time. About 4 minutes.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 \
  TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=120 JOB_TIMEOUT=150 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
