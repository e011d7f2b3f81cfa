#!/usr/bin/env bash
# The next session's first call (one H200; copy pytest-xdist's and execnet's wheels from /opt/pypi/files/ into .whl/
# and run ../shared/device/prepare.sh for lark and fla-core first). The host-bound table rows of DeltaNet and Gated
# DeltaNet (4x2048x16x128, 8x1024x8x64) with fewer processes per host than sessions 42-43's eight, which slowed both
# sides (session 43 ran the DeltaNet GPU tests this script first held). At most about 7 minutes (two waves of two
# processes, each cut at 200 s): timeout_s 480.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
TABLE_GPU0="gdn:gated_deltanet dn:deltanet" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 \
  TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=170 JOB_TIMEOUT=200 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
