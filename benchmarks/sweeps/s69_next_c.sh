#!/usr/bin/env bash
# The next session's third call (one GPU; argument: the call's timeout_s, default 590), written in session 69:
# (1) KDA's boundary sums in the adjoint's pass (SCAN_BOUNDARY=1, BND_ADJ: +0.6 % in session 68, kept behind the
#     knob): re-timed on the current code; remove the orientation if it still loses;
# (2) the grid order's bit 16 for the other per-dimension gates' read-outs (HGRN2, RWKV-6), if the first call found
#     it winning for GLA, KDA or RWKV-7;
# (3) the table's 1x8192x96x128 rows for every fla-covered family on the current code, in what time is left.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
variants 110 kda "SCAN_BOUNDARY=1" kda_bnd_adj
variants 150 hgrn2 "GRID_VADJ=55" hgrn2_vadj
variants 120 rwkv6 "GRID_VADJ=55" rwkv6_vadj
if fits 200; then
  TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 dn:deltanet gdn:gated_deltanet kda:kda rwkv7:rwkv7" \
    TABLE_GPU1="" WITH_D256=0 TABLE_SHAPES="h16:1,8192,96,128" DEADLINE=$((LIMIT - SECONDS - 100)) \
    JOB_TIMEOUT=$((LIMIT - SECONDS - 10)) bash benchmarks/sweeps/table_call.sh
fi
echo "all done at ${SECONDS}s"
