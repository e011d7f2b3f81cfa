#!/usr/bin/env bash
# Session 12, call 3 (nvidia-h200-x2), about 6 minutes.
#   phase A, one job per GPU (variant_sweep: checks at gate x1 and x10, then 4x8192x16x128): the new defaults
#     (bf16 forward state pass with the backward's final-state term from its exact rescan; bf16 vector tensors)
#     against LOWP_VECTORS=0, for the gated rank-one specs whose gate gradient failed in call 2;
#   phase B, both GPUs: sequence parallelism with summary-first as the default form, LASP-2 forced for comparison:
#     correctness (GLA both forms, RetNet), P=2 vs P=1 at 32K and 128K tokens per rank (GLA, Gated DeltaNet, RetNet).
set -u
JOB_TIMEOUT=${PHASE_A:-175} TAIL_LINES=12 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/variant_sweep.py --out \$OUT/v --specs gated_deltanet,kda --variants 'LOWP_VECTORS=0' --budget 125" \
  "python3 benchmarks/variant_sweep.py --out \$OUT/v --specs mom_gated_deltanet,deltanet --variants 'LOWP_VECTORS=0' --budget 125"
mv "$OUT/all.tar.gz" "$OUT/variants.tar.gz"
mkdir -p "$OUT/sp"
timeout "${PHASE_B:-230}" torchrun --standalone --nproc_per_node 2 benchmarks/sp_suite.py \
  --out "$OUT/sp" --specs gla,retnet --check-t 16384 --bench-specs gla,gated_deltanet,retnet --t-rank 32,128 \
  --schedules allgather --lasp2 --reps 3 --budget 170 > "$OUT/sp/sp.log" 2>&1
echo "sp exit $?" >> "$OUT/sp/sp.log"
grep -v "Warning\|warn" "$OUT/sp/sp.log" | grep -v "^projection" | tail -n 30
(cd "$OUT" && tar czf sp.tar.gz sp && rm -rf sp)
