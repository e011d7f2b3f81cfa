#!/usr/bin/env bash
# The next session's third call (one GPU; argument: the call's timeout_s, default 590), written in session 69:
# (1) KDA's boundary sums in the adjoint's pass (SCAN_BOUNDARY=1, BND_ADJ: +0.6 % in session 68, kept behind the
#     knob): re-timed on the current code; remove the orientation if it still loses;
# (2) (the grid order's bit 16 for HGRN2 and RWKV-6 dropped in session 70: bit 16 is the default now, and their
#     read-outs take one value block at D = 128, which no order changes);
# (3) the table's 1x8192x96x128 rows for every fla-covered family on the current code, in what time is left.
set -u
. benchmarks/sweeps/lib.sh
call_start "${1:-590}"
variants 110 kda "SCAN_BOUNDARY=1" kda_bnd_adj
if fits 200; then
  TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 dn:deltanet gdn:gated_deltanet kda:kda rwkv7:rwkv7" \
    TABLE_GPU1="" WITH_D256=0 TABLE_SHAPES="h16:1,8192,96,128" DEADLINE=$((LIMIT - SECONDS - 100)) \
    JOB_TIMEOUT=$((LIMIT - SECONDS - 10)) bash benchmarks/sweeps/table_call.sh
fi
echo "all done at ${SECONDS}s"
