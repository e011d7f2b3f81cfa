#!/usr/bin/env bash
# The next session's first call (one GPU; argument: the call's timeout_s, default 590), written in session 69:
# (1) the grid order's bit 16 (GRID_VADJ=55: the read-outs from pair scores with a chunk's value blocks adjacent in
#     the launch order), built in session 60 and never timed (its sweep, next_first_call.sh, never ran). Session 69's
#     Nsight Compute of KDA's first gated read-out (7.51 ms, one launch): L2 hit rate 25.6 %, DRAM 1.40 TB/s, while
#     its four 32-wide value blocks of a chunk each re-read the same readers' [64, 128] rows and gate sums, NC x N
#     programs apart by default. Bit 64 (103 = 39 + 64: the storing state pass's key blocks adjacent) for GLA too.
#     KDA also with 16-wide value blocks (GATED_BO=16: ptxas for sm_90, its two-reader read 192 -> 154 registers,
#     2 -> 3 blocks a multiprocessor, eight value blocks a chunk instead of four, which bit 16 keeps in L2).
# (2) KDA's gated read-outs with the scores' product with the decayed sources in bf16 alone (GATED_PREC=bf16; with
#     the state product too, GATED_STATE_PREC=bf16, they gained 4.7 % but failed dg at gate x10 in session 69; under
#     the interpreter the state product alone costs dg that, the scores' product alone nothing). RWKV-7 too.
# s69_next_b.sh has the small-D check and the table.
# The parts that no longer fit are left out, in this order.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
variants 150 kda "GRID_VADJ=55;GRID_VADJ=55,GATED_BO=16" kda_vadj
variants 100 kda "GATED_PREC=bf16" kda_pair_prec
variants 110 rwkv7 "GRID_VADJ=55" rwkv7_vadj
variants 130 gla "GRID_VADJ=55;GRID_VADJ=103" gla_vadj
variants 100 rwkv7 "GATED_PREC=bf16" rwkv7_pair_prec
echo "all done at ${SECONDS}s"
