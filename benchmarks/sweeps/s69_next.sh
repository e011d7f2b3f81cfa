#!/usr/bin/env bash
# The next session's first call (one GPU; argument: the call's timeout_s, default 590), written in session 69:
# (1) the grid order's bit 16 (GRID_VADJ=55: the read-outs from pair scores with a chunk's value blocks adjacent in
#     the launch order), built in session 60 and never timed (its sweep, next_first_call.sh, never ran). Session 69's
#     Nsight Compute of KDA's first gated read-out (7.51 ms, one launch): L2 hit rate 25.6 %, DRAM 1.40 TB/s, while
#     its four 32-wide value blocks of a chunk each re-read the same readers' [64, 128] rows and gate sums, NC x N
#     programs apart by default. Bit 64 (103 = 39 + 64: the storing state pass's key blocks adjacent) for GLA too.
# (2) every library spec in bf16 at D = 16 and 32 against fp64, one process each (benchmarks/small_d_check.py):
#     does a default path meet Triton 3.6's illegal shared read of small bf16 dots (session 69: the WY backward's
#     forced bf16 products at K = 16), or read wrong data inside the allocation (FAIL rather than FAULT)?
# The parts that no longer fit are left out, in this order.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
variants 110 kda "GRID_VADJ=55" kda_vadj
variants 110 rwkv7 "GRID_VADJ=55" rwkv7_vadj
variants 130 gla "GRID_VADJ=55;GRID_VADJ=103" gla_vadj
echo "variants done at ${SECONDS}s"
if fits 200; then
  timeout $((LIMIT - SECONDS - 10)) python3 benchmarks/small_d_check.py --dims 16,32 --jobs 12 --timeout 150 2>&1 \
    | quiet | tee "$OUT/small_d.txt" | grep -v " PASS " | tail -40
fi
echo "all done at ${SECONDS}s"
