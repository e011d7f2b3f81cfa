#!/usr/bin/env bash
# Session 12, call 4 (nvidia-h200-x2), the last: issue 4's table from the final code (benchmarks/sweeps/table_call.sh,
# every spec checked at gate x1 and x10 first; no D = 256 rows), then sequence parallelism once more after the last
# change (the carried adjoint's state pass in bf16 products, bf16 vectors in the summary): correctness for Gated
# DeltaNet, P=2 vs P=1 at 32K tokens per rank for Gated DeltaNet and GLA.
set -u
JOB_TIMEOUT=${JOB_TIMEOUT:-395} DEADLINE=${DEADLINE:-315} WITH_D256=0 bash benchmarks/sweeps/table_call.sh
mv "$OUT/all.tar.gz" "$OUT/table.tar.gz"
mkdir -p "$OUT/sp"
timeout "${PHASE_B:-130}" torchrun --standalone --nproc_per_node 2 benchmarks/sp_suite.py \
  --out "$OUT/sp" --specs gated_deltanet --check-t 16384 --bench-specs gated_deltanet,gla --t-rank 32 \
  --schedules allgather --reps 3 --budget 80 > "$OUT/sp/sp.log" 2>&1
echo "sp exit $?" >> "$OUT/sp/sp.log"
grep -v "Warning\|warn\|^projection" "$OUT/sp/sp.log" | tail -n 14
(cd "$OUT" && tar czf sp.tar.gz sp && rm -rf sp)
