#!/usr/bin/env bash
# Session 70's short call (one GPU; argument: the call's timeout_s), for what thirteen failed starts left of the budget:
# KDA's grid-order bit 16 first (GRID_VADJ=55; s70_call1.sh says why), then the small-D bf16 check at D = 16 in the
# seconds that remain.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-300}
nvidia-smi --query-gpu=name --format=csv,noheader
variants 150 kda "GRID_VADJ=55" kda_vadj
left=$((LIMIT - SECONDS - 8))
if [ "$left" -gt 40 ]; then
  timeout "$left" python3 benchmarks/small_d_check.py --dims 16 --jobs 16 --timeout $((left - 5)) 2>&1 | quiet \
    | tee "$OUT/small_d.txt" | grep -v " PASS " | tail -40
fi
echo "all done at ${SECONDS}s"
