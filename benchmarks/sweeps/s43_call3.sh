#!/usr/bin/env bash
# Session 43, call 3 (one H200): (1) a probe of call 2's failed GPU test (Gated DeltaNet's dk at K = V = 16: which
# path carries the error); (2) the table rows of DeltaNet and Gated DeltaNet against fla under this session's
# defaults (the WY system in key and value blocks with M from a k^T; hilo products in Gated DeltaNet's backward
# rescan where its value blocks are 32 wide), checks at gate x1 and x10 first (table_call.sh), eight processes.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
timeout 150 python3 benchmarks/sweeps/s43_dk_probe.py 2>&1 | grep -v -i "warn"
echo "probe done at ${SECONDS}s"
TABLE_GPU0="gdn:gated_deltanet dn:deltanet" TABLE_GPU1="" WITH_D256=0 DEADLINE=300 JOB_TIMEOUT=420 \
  bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
