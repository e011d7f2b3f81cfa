#!/usr/bin/env bash
# Session 19, call 4 (nvidia-h200, one GPU, about 5 minutes): DeltaNet's table rows with the pseudo-values u in bf16
# (the only family the session's code changes reach: rank-one factors without gates), at fla's five shapes, checked
# first at gate x1 and x10 (four processes, one wave).
set -u
TABLE_GPU0="dn:deltanet" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=260 JOB_TIMEOUT=300 \
  bash benchmarks/sweeps/table_call.sh
