#!/usr/bin/env bash
# Session 13, call 3 (nvidia-h200-x2): issue 4's table from bdbdb19 (the fold's scaled adjoint read, gradients cast
# where made, contiguous input gradients, bf16 chunk states for rank-one forwards and ungated backwards), every spec
# checked at gate x1 and x10 first; no D = 256 rows; without the host lock and with more time per process.
set -u
HOST_LOCK=0 JOB_TIMEOUT=${JOB_TIMEOUT:-545} DEADLINE=${DEADLINE:-420} WITH_D256=0 bash benchmarks/sweeps/table_call.sh
