#!/usr/bin/env bash
# The next session's second call (one GPU; argument: the call's timeout_s, default 590), written in session 69:
# (1) every library spec in bf16 at D = 16 and 32 against fp64, one process each (benchmarks/small_d_check.py):
#     does a default path meet Triton 3.6's illegal shared read of small bf16 dots (session 69: the WY backward's
#     forced bf16 products at K = 16), or read wrong data inside the allocation (FAIL rather than FAULT)?
# (2) the table's 2x16384x16x128 rows on the current code for every fla-covered family (session 63's rows, stale by
#     sessions 63-69's defaults), each family checked at gate x1 and x10 first. Make the first call's winners
#     defaults before this call.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 200 python3 benchmarks/small_d_check.py --dims 16,32 --jobs 12 --timeout 150 2>&1 | quiet \
  | tee "$OUT/small_d.txt" | grep -v " PASS " | tail -40
echo "small-D done at ${SECONDS}s"
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 dn:deltanet gdn:gated_deltanet kda:kda rwkv7:rwkv7" \
  TABLE_GPU1="" WITH_D256=0 TABLE_SHAPES="h16:2,16384,16,128" DEADLINE=$((LIMIT - SECONDS - 130)) \
  JOB_TIMEOUT=$((LIMIT - SECONDS - 15)) bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
