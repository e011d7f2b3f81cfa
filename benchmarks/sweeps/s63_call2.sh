#!/usr/bin/env bash
# Session 63, call 2 (one GPU, about 9 minutes, timeout_s 595): the rows at 2x16384x16x128, 4x2048x16x128 and
# 8x1024x8x64 on the current code against fla and SDPA (call 1 checked every family at gate x1 and x10; these
# processes check again only where CHECKS=1). One process per family group times the three shapes.
set -u
export TRITON_INTERPRET=0
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
MEM=$(nvidia-smi --query-gpu=memory.total --format=csv,noheader,nounits | head -1)
if [ "$MEM" -gt 120000 ]; then PROCS=7 DL=420 JT=560; else PROCS=4 DL=220 JT=270; fi
TAG=$([ "${CHECKS:-0}" = 1 ] && echo h16 || echo rest)
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 MAX_PROCS=$PROCS TABLE_SHAPES="$TAG:${SHAPES:-2,16384,16,128;4,2048,16,128;8,1024,8,64}" \
  CHECK_SHAPE=2,4096,8,128 DEADLINE=$DL JOB_TIMEOUT=$JT timeout 580 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
