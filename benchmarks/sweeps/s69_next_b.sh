#!/usr/bin/env bash
# The next session's second call (one GPU; argument: the call's timeout_s, default 590), written in session 69:
# (the small-D check it ran first moved to s70_next.sh: session 70 ran D = 16, all PASS)
# (2) the table's 2x16384x16x128 rows on the current code for every fla-covered family (session 63's rows, stale by
#     sessions 63-69's defaults), each family checked at gate x1 and x10 first. Make the first call's winners
#     defaults before this call.
set -u
. benchmarks/sweeps/lib.sh
call_start "${1:-590}"
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 dn:deltanet gdn:gated_deltanet kda:kda rwkv7:rwkv7" \
  TABLE_GPU1="" WITH_D256=0 TABLE_SHAPES="h16:2,16384,16,128" DEADLINE=$((LIMIT - SECONDS - 130)) \
  JOB_TIMEOUT=$((LIMIT - SECONDS - 15)) bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
