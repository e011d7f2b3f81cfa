#!/usr/bin/env bash
# Session 70's first call (one GPU; argument: the call's timeout_s, default 590). Session 69's three next calls
# (s69_next.sh, _b, _c) folded into what one call of a short budget holds (four failed starts cost 400 s first):
# (1) every library spec in bf16 at D = 16 (SMALL_D_DIMS=16,32 adds 32) against fp64, one process each
#     (small_d_check.py): does a default path meet Triton 3.6's illegal shared read of small bf16 Hopper dots
#     (session 69, the WY backward's forced bf16 products at K = 16) or read wrong data inside the allocation
#     (FAIL)? A correctness question, so first (D = 16: the faulting pattern's 32-byte swizzle; D = 32 takes
#     64-byte swizzled operands);
# (2) KDA: the grid order's bit 16 (GRID_VADJ=55: a chunk's gated value blocks adjacent in the launch, so the
#     readers' rows and gate sums they all load come from L2; session 69's ncu: L2 hit 25.6 %), alone and with
#     16-wide gated value blocks, and the scores' product in bf16 alone (GATED_PREC=bf16), in one sweep (one default);
# (3) RWKV-7 and GLA with bit 16.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 130 python3 benchmarks/small_d_check.py --dims "${SMALL_D_DIMS:-16}" --jobs 16 --timeout 110 2>&1 | quiet \
  | tee "$OUT/small_d.txt" | grep -v " PASS " | tail -40
echo "small-D done at ${SECONDS}s"
variants 200 kda "GRID_VADJ=55;GRID_VADJ=55,GATED_BO=16;GATED_PREC=bf16" kda_vadj_prec
variants 110 rwkv7 "GRID_VADJ=55" rwkv7_vadj
variants 80 gla "GRID_VADJ=55" gla_vadj
echo "all done at ${SECONDS}s"
