#!/usr/bin/env bash
# Session 63, call 3 (one H100, about 5 minutes, timeout_s 400, on the machine calls 1-2 left warm): the host-bound
# rows (4x2048x16x128, 8x1024x8x64) on the current code against fla and SDPA, the seven family groups at once (small
# shapes: memory is no limit; the host lock times one row at a time). Call 1 checked every family at gate x1 and x10.
set -u
export TRITON_INTERPRET=0
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 TABLE_SHAPES="rest:4,2048,16,128;8,1024,8,64" DEADLINE=150 JOB_TIMEOUT=330 \
  timeout 340 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
