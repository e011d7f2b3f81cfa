#!/usr/bin/env bash
# Session 12, call 2 (nvidia-h200-x2), about 6 minutes.
#   phase A, one job per GPU (variant_sweep: checks at gate x1 and x10, then 4x8192x16x128):
#     - the rank-one forward's state pass now multiplies bf16 in bf16 under autograd too, the backward recomputing u
#       exactly in its rescan (default here); STATE_PREC=tf32 restores tf32 products in every state pass, which is
#       the previous forward's cost; LOWP_VECTORS=1 stores the prologue's vector tensors in bf16;
#   phase B, both GPUs: sequence parallelism after the summary-first fixes (compiled bf16 prologue in the summary
#     and the carried adjoint, bf16 summary state pass, tf32 adjoint pass): correctness for Gated DeltaNet and GLA
#     (summary-first forced too), P=2 vs P=1 at 32K tokens per rank.
set -u
JOB_TIMEOUT=${PHASE_A:-240} TAIL_LINES=14 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/variant_sweep.py --out \$OUT/v --specs gated_deltanet,kda --variants 'STATE_PREC=tf32;LOWP_VECTORS=1' --budget 190" \
  "python3 benchmarks/variant_sweep.py --out \$OUT/v --specs deltanet,rwkv7,gla --variants 'LOWP_VECTORS=1' --budget 190"
mv "$OUT/all.tar.gz" "$OUT/variants.tar.gz"
mkdir -p "$OUT/sp"
timeout "${PHASE_B:-170}" torchrun --standalone --nproc_per_node 2 benchmarks/sp_suite.py \
  --out "$OUT/sp" --specs gated_deltanet,gla --check-t 16384 --bench-specs gla,gated_deltanet --t-rank 32 \
  --schedules allgather --summary-first --reps 3 --budget 120 > "$OUT/sp/sp.log" 2>&1
echo "sp exit $?" >> "$OUT/sp/sp.log"
grep -v "Warning\|warn" "$OUT/sp/sp.log" | tail -n 30
(cd "$OUT" && tar czf sp.tar.gz sp && rm -rf sp)
