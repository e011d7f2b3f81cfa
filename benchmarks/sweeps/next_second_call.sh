#!/usr/bin/env bash
# The next session's second call (one GPU, about 4-5 minutes, timeout_s 590), written in session 57, kept in
# session 59: every fla-covered family's row at one large shape (SHAPE, default 4x4096x64x128; next_fourth_call.sh
# runs 1x8192x96x128 through this script) against fla and SDPA on the current code, each family checked at gate x1
# and x10 first. Session 59 ran it four processes at a time (call 5, 239 s at 1x8192x96x128: the barrier keeps the
# timings exclusive); run it where a default changed or on the H200 (every table row is an H100's since session 59).
set -u
export TRITON_INTERPRET=0
# (the shape group is tagged h16: the checks ride with that tag in table_call.sh)
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 MAX_PROCS=4 TABLE_SHAPES="h16:${SHAPE:-4,4096,64,128}" CHECK_SHAPE=2,4096,8,128 \
  DEADLINE=130 JOB_TIMEOUT=160 timeout 580 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
