#!/usr/bin/env bash
# The next session's first call (one GPU; argument: the call's timeout_s, default 590), written in session 68:
# (1) GPU tests of session 68's defaults and of the tests that ran on CPU tensors before (now on the GPU);
# (2) issue 4's table at 4x4096x64x128 on the current code for the families whose rows are older than their
#     defaults: RetNet and Mamba-2 (sgla), GLA and HGRN2, RWKV-6, DeltaNet, Gated DeltaNet, RWKV-7 (each checked
#     at gate x1 and x10 first; KDA's row is session 68's and its code unchanged since);
# (3) KDA with the chunk-level adjoint (CHUNK_ADJOINT=1: no second WY system over reversed time, no flipped inputs;
#     5.7-7.6 % slower in session 62, before the 64-wide passes) against the default, each in its own process.
# The parts that no longer fit are left out, in this order.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
gpu_tests "du_made_from_dv or as_accurate_as_the_default or intermediates or boundary" tests/test_chunk_adjoint.py \
  tests/test_scan_boundary.py
if fits 300; then
  TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 dn:deltanet gdn:gated_deltanet rwkv7:rwkv7" TABLE_GPU1="" \
    WITH_D256=0 TABLE_SHAPES="h16:4,4096,64,128" DEADLINE=190 JOB_TIMEOUT=290 bash benchmarks/sweeps/table_call.sh
fi
echo "table done at ${SECONDS}s"
variants 150 kda "CHUNK_ADJOINT=1" kda_ca
echo "all done at ${SECONDS}s"
