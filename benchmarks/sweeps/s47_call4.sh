#!/usr/bin/env bash
# Session 47, call 4 (one H200): the table rows of RetNet, GLA, HGRN2 and RWKV-7 at the three large shapes on the
# current code (theirs predate session 36's one-copy flips and session 45's memory changes). About 5 minutes.
set -u
export TRITON_INTERPRET=0
TABLE_GPU0="retnet:retnet gla:gla hgrn2:hgrn2 rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=12 \
  TABLE_SHAPES="h64:4,4096,64,128 h96:1,8192,96,128 t16k:2,16384,16,128" DEADLINE=230 JOB_TIMEOUT=300 \
  bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
