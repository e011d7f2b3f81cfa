#!/usr/bin/env bash
# Session 52, third call (one GPU): the new GPU test of the fast launch (a kernel through its plans; a CPU tensor
# refused), then the host-bound rows (4x2048x16x128, 8x1024x8x64) of every fla-covered family with the fast launch
# (the default), both libraries in the same runs, two processes at a time, checks at gate x1 and x10 first.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 60 python3 -m pytest -q -p no:cacheprovider tests/test_fast_launch.py -k "through_its_plans" 2>&1 | tail -2
echo "test done at ${SECONDS}s"
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=110 \
  JOB_TIMEOUT=140 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
