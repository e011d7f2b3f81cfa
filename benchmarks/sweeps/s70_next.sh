#!/usr/bin/env bash
# The next session's first call (one GPU; argument: the call's timeout_s, default 590), written in session 70 after
# GRID_VADJ bit 16 became the default (KDA -4.3 %, RWKV-7 -2.6 % forward+backward at 4x4096x64x128):
# (1) KDA's gated read-outs on top of it: 16-wide value blocks (GATED_BO=16: ptxas for sm_90, the two-reader read
#     192 -> 154 registers, three blocks a multiprocessor instead of two, eight value blocks a chunk, now adjacent) and
#     the scores' product with the decayed sources in bf16 alone (GATED_PREC=bf16; session 69 under the interpreter:
#     dg as accurate as by default; with the state product too it failed dg at gate x10); RWKV-7 the latter;
# (2) KDA's and RWKV-7's table rows at 4x4096x64x128 against fla in the same run (their rows predate bit 16);
# (3) the small-D bf16 check at D = 32 (session 70: D = 16 all PASS).
# Then s69_next_b.sh (without its small-D part) and s69_next_c.sh.
set -u
. benchmarks/sweeps/lib.sh
call_start "${1:-590}"
variants 200 kda "GATED_BO=16;GATED_PREC=bf16" kda_gated
variants 110 rwkv7 "GATED_PREC=bf16" rwkv7_pair_prec
if fits 200; then
  TABLE_GPU0="kda:kda rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 TABLE_SHAPES="h16:4,4096,64,128" \
    DEADLINE=$((LIMIT - SECONDS - 150)) JOB_TIMEOUT=$((LIMIT - SECONDS - 140)) bash benchmarks/sweeps/table_call.sh
fi
small_d_rest 32
echo "all done at ${SECONDS}s"
