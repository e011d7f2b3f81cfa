#!/usr/bin/env bash
# The host-bound rows (4x2048x16x128, 8x1024x8x64) with lindsl and fla timed in turn five times per row, medians
# (fla_table.py --rounds, written in session 63 after its calls 3-4 disagreed by up to 2x on both libraries; not yet
# run on a GPU). One GPU, about 4 minutes on a warm machine (call 4 took 113 s with one reading each), timeout_s 420;
# checks at gate x1 and x10 ride along (the h16 tag).
set -u
export TRITON_INTERPRET=0
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 ROUNDS=5 TABLE_SHAPES="h16:4,2048,16,128;8,1024,8,64" CHECK_SHAPE=2,4096,8,128 \
  DEADLINE=60 JOB_TIMEOUT=100 timeout 410 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
