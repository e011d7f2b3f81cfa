#!/usr/bin/env bash
# Session 34, call 4 (nvidia-h200, one GPU, about 2.5 minutes: the session's last 286 s of device time). Mamba-2's and
# RWKV-6's table rows at 2x16384x16x128 with the added read in bf16 (LOW_ADDED, on by default since call 3), checks at
# gate x1 and x10 first.
set -u
TABLE_SHAPES="h16:2,16384,16,128" TABLE_GPU0="sgla:mamba2 rwkv6:rwkv6" TABLE_GPU1="" WITH_D256=0 DEADLINE=120 \
  JOB_TIMEOUT=140 MAX_PROCS=2 bash benchmarks/sweeps/table_call.sh 2>&1 | tee "$OUT/table.txt"
true
