#!/usr/bin/env bash
# Session 12, call 1 (nvidia-h200-x2): sequence parallelism with the current kernels (last measured in session 4).
#   correctness at 16K tokens per rank, every schedule: RWKV-6 (token shifts: the halo, first run on NCCL) and
#   Gated DeltaNet (summary-first; its summary state pass no longer writes chunk states, 119dbb5);
#   P=2 vs P=1 at 32K and 128K tokens per rank for GLA (LASP-2, and the summary-first form forced for comparison)
#   and Gated DeltaNet, with the phases of each form.
set -u
mkdir -p "$OUT/sp"
timeout "${SP_TIMEOUT:-420}" torchrun --standalone --nproc_per_node 2 benchmarks/sp_suite.py --out "$OUT/sp" \
  --specs rwkv6,gated_deltanet --check-t 16384 --bench-specs gla,gated_deltanet --t-rank 32,128 \
  --schedules allgather,doubling --summary-first --reps 3 --budget "${SP_BUDGET:-300}" > "$OUT/sp/sp.log" 2>&1
echo "sp exit $?" >> "$OUT/sp/sp.log"
tail -n 45 "$OUT/sp/sp.log"
