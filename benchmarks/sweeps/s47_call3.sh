#!/usr/bin/env bash
# The next session's second call (one H200), after next_first_call.sh: the host-bound rows of the delta rule's
# families and KDA (4x2048x16x128 with the checks, 8x1024x8x64; their rows predate sessions 45-46), two processes at
# a time (eight per host moved both sides by up to +-60 % in sessions 42-43). About 7 minutes: timeout_s 560.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
TABLE_GPU0="gdn:gated_deltanet dn:deltanet kda:kda" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 \
  TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=150 JOB_TIMEOUT=180 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
