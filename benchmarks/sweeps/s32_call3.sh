#!/usr/bin/env bash
# Session 32, call 3 (nvidia-h200, one GPU, about 5 minutes): Mamba-2's table rows at fla's five shapes from the code
# with REV_SOURCES on for the scalar gate's gauged reads (92b67c0), its checks at gate x1 and x10 with the h16 group.
set -u
TABLE_GPU0="sgla:mamba2" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=190 JOB_TIMEOUT=270 MAX_PROCS=4 \
  bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
true
