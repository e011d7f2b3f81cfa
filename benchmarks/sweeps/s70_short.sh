#!/usr/bin/env bash
# Session 70's short call (one GPU; argument: the call's timeout_s), for what thirteen failed starts left of the budget:
# KDA's grid-order bit 16 first (GRID_VADJ=55: a chunk's gated value blocks adjacent in the launch, so the readers'
# rows and gate sums they all load come from L2; session 69's ncu: L2 hit 25.6 %), then the small-D bf16 check at
# D = 16 in the seconds that remain (Triton 3.6's illegal shared read of small bf16 Hopper dots, session 69).
set -u
. benchmarks/sweeps/lib.sh
call_start "${1:-300}"
variants 150 kda "GRID_VADJ=55" kda_vadj
left=$((LIMIT - SECONDS - 8))
if [ "$left" -gt 40 ]; then
  timeout "$left" python3 benchmarks/small_d_check.py --dims 16 --jobs 16 --timeout $((left - 5)) 2>&1 | quiet \
    | tee "$OUT/small_d.txt" | grep -v " PASS " | tail -40
fi
echo "all done at ${SECONDS}s"
