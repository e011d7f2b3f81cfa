#!/usr/bin/env bash
# Session 63, call 1 (one GPU, about 9 minutes, timeout_s 595): every fla-covered family's rows at 4x4096x64x128 and
# 1x8192x96x128 on the current code (RWKV-7's backward the chunk-level adjoint, the gate sums made once) against fla
# and SDPA, each family checked at gate x1 and x10 first. One process per family group times both shapes (one
# compile); all seven at once where the GPU holds over 120 GB (an H200), else in waves of four.
set -u
export TRITON_INTERPRET=0
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
MEM=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits | head -1)
if [ "$MEM" -gt 120000 ]; then PROCS=7 DL=420 JT=560; else PROCS=4 DL=220 JT=270; fi
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 MAX_PROCS=$PROCS TABLE_SHAPES="h16:${SHAPES:-4,4096,64,128;1,8192,96,128}" \
  CHECK_SHAPE=2,4096,8,128 DEADLINE=$DL JOB_TIMEOUT=$JT timeout 580 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
