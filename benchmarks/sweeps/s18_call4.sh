#!/usr/bin/env bash
# Session 18, call 4 (nvidia-h200, one GPU, at most about 4 minutes): the table rows call 2 missed (its sixteen
# processes ran past their deadline): KDA, RWKV-6 and RWKV-7 at 8x1024x8x64, 4x2048x16x128 and 1x8192x96x128
# (six processes; their checks passed in call 2).
set -u
TABLE_GPU0="kda:kda rwkv6:rwkv6 rwkv7:rwkv7" TABLE_SHAPES="d64:8,1024,8,64 x:4,2048,16,128;1,8192,96,128" \
  TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=150 JOB_TIMEOUT=190 bash benchmarks/sweeps/table_call.sh
