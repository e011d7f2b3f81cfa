#!/usr/bin/env bash
# Session 59 call 4: Mamba-2's table rows (with fla and SDPA, checks at gate x1 and x10) on the code with the
# fusions on by default, at the three kernel-bound shapes with D = 128 and the host-bound 4x2048x16x128.
set -u
export TRITON_INTERPRET=0
TABLE_GPU0="m2:mamba2" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=3 \
  TABLE_SHAPES="h16:4,2048,16,128;2,16384,16,128 h64:4,4096,64,128 h96:1,8192,96,128" CHECK_SHAPE=2,4096,8,128 \
  DEADLINE=200 JOB_TIMEOUT=260 timeout 420 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
