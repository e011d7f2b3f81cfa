#!/usr/bin/env bash
# Session 63, call 2 (one H100, about 9 minutes, timeout_s 595, on the machine call 1 left warm): the rows at
# 2x16384x16x128 on the current code against fla and SDPA, and the 1x8192x96x128 rows call 1 lost to its time limit
# (RetNet, Mamba-2, HGRN2, RWKV-6). Call 1 checked every family at gate x1 and x10. Two waves: the families with a
# lost row time both shapes, the others 2x16384x16x128 alone.
set -u
export TRITON_INTERPRET=0
nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
mkdir -p "$OUT/a" "$OUT/b"
OUT="$OUT/a" TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6" TABLE_GPU1="" WITH_D256=0 \
  TABLE_SHAPES="rest:2,16384,16,128;1,8192,96,128" DEADLINE=200 JOB_TIMEOUT=290 timeout 295 bash benchmarks/sweeps/table_call.sh
echo "wave a done at ${SECONDS}s"
OUT="$OUT/b" TABLE_GPU0="rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" TABLE_GPU1="" WITH_D256=0 \
  TABLE_SHAPES="rest:2,16384,16,128" DEADLINE=190 JOB_TIMEOUT=255 timeout 260 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
