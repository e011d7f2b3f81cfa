#!/usr/bin/env bash
# Session 24, call 2 (nvidia-h200, one GPU, about 8 minutes), with GAUGE_IN_READS on by default (call 1):
# 1. Gated DeltaNet's and Mamba-2's table rows, fla's five shapes in one wave of eight processes, checks at gate x1
#    and x10;
# 2. Gated DeltaNet by kernel at 2x16384x16x128 (forward and forward+backward);
# 3. the host's time per call where the table's rows are host-bound (4x2048x16x128): DeltaNet's and Gated
#    DeltaNet's forward, by Python function (cProfile) and CUDA runtime call.
set -u
TABLE_GPU0="gdn:gated_deltanet m2:mamba2" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=270 JOB_TIMEOUT=330 \
  MAX_PROCS=8 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 380 ] && timeout $((465 - SECONDS)) python3 benchmarks/profile_phases.py \
  --specs gated_deltanet --shape 2,16384,16,128 --detail 16 --out "$OUT/prof_gdn" 2>&1 | grep -v -i warn \
  | grep -E -A16 "^gated_deltanet (lindsl|fla) (fwd|fb)" | grep -v "^--" | head -40
echo "profile done at ${SECONDS}s"
[ "$SECONDS" -lt 480 ] && timeout $((560 - SECONDS)) python3 benchmarks/host_overhead.py \
  --specs deltanet,gated_deltanet --shapes 4,2048,16,128 --variants "" --profile fwd --out "$OUT/host" 2>&1 \
  | grep -v -i warn | tail -3
true
