#!/usr/bin/env bash
# Session 13, call 4 (nvidia-h200-x2), about 5 minutes:
#   phase A, one job per GPU: phase profiles with lindsl's most expensive kernels by name at 2x16384x16x128 after
#     bdbdb19 (gradients cast where made, contiguous input gradients): DeltaNet and Gated DeltaNet on GPU 0, GLA and
#     RetNet on GPU 1;
#   phase B, both GPUs: sequence parallelism for Gated DeltaNet (the fold's scaled adjoint read, bf16 forward chunk
#     states): correctness, P=2 vs P=1 at 32K tokens per rank.
set -u
JOB_TIMEOUT=${PHASE_A:-200} TAIL_LINES=60 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/profile_phases.py --specs deltanet,gated_deltanet --shape 2,16384,16,128 --detail 14 --out \$OUT/prof 2>&1 | grep -v Warn" \
  "python3 benchmarks/profile_phases.py --specs gla,retnet --shape 2,16384,16,128 --detail 14 --out \$OUT/prof 2>&1 | grep -v Warn"
mv "$OUT/all.tar.gz" "$OUT/prof.tar.gz"
mkdir -p "$OUT/sp"
timeout "${PHASE_B:-150}" torchrun --standalone --nproc_per_node 2 benchmarks/sp_suite.py \
  --out "$OUT/sp" --specs gated_deltanet --check-t 16384 --bench-specs gated_deltanet --t-rank 32 \
  --schedules allgather --reps 3 --budget 90 > "$OUT/sp/sp.log" 2>&1
echo "sp exit $?" >> "$OUT/sp/sp.log"
grep -v "Warning\|warn\|^projection" "$OUT/sp/sp.log" | tail -n 14
(cd "$OUT" && tar czf sp.tar.gz sp && rm -rf sp)
