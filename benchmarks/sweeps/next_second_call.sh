#!/usr/bin/env bash
# The next session's second call (one H200), after next_first_call.sh's winners are defaults: the table rows of
# Gated DeltaNet and DeltaNet at the host-bound shapes (4x2048x16x128 with the checks, 8x1024x8x64), two processes
# at a time (eight per host moved both sides by up to +-60 % in sessions 42-43). About 7 minutes: timeout_s 560.
# The kernel-bound rows (4x4096x64x128, 1x8192x96x128, 2x16384x16x128) in a third call, six processes at once:
#   TABLE_GPU0="gdn:gated_deltanet dn:deltanet" TABLE_GPU1="" WITH_D256=0 \
#   TABLE_SHAPES="h64:4,4096,64,128 h96:1,8192,96,128 t16k:2,16384,16,128" DEADLINE=300 JOB_TIMEOUT=420 \
#   bash benchmarks/sweeps/table_call.sh
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
TABLE_GPU0="gdn:gated_deltanet dn:deltanet" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 \
  TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=170 JOB_TIMEOUT=200 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
