#!/usr/bin/env bash
# Session 47, call 2 (one H200): the delta rule's table rows at the three large shapes with CA_DBK_BF16 the default
# (call 1's A/B: DeltaNet -3.3 %, Gated DeltaNet +0.9 %, peaks -512/-194 MB). About 4 minutes: timeout_s 330.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
TABLE_GPU0="gdn:gated_deltanet dn:deltanet" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=6 \
  TABLE_SHAPES="h64:4,4096,64,128 h96:1,8192,96,128 t16k:2,16384,16,128" DEADLINE=200 JOB_TIMEOUT=260 \
  bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
