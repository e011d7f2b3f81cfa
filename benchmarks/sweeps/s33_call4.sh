#!/usr/bin/env bash
# Session 33, call 4 (the machine still warm after call 3, about 2 minutes): the other families' host-bound table
# rows (RWKV-6, KDA, RWKV-7 at 4x2048x16x128 and 8x1024x8x64) from the same code, checks at gate x1 and x10.
set -u
TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" TABLE_GPU0="rwkv6:rwkv6 kda:kda rwkv7:rwkv7" TABLE_GPU1="" \
  WITH_D256=0 DEADLINE=210 JOB_TIMEOUT=270 MAX_PROCS=6 bash benchmarks/sweeps/table_call.sh
true
