#!/usr/bin/env bash
# Session 13, call 2 (nvidia-h200-x2), about 8 minutes, one job per GPU:
#   GPU 0: phase profile of DeltaNet and Gated DeltaNet at 2x16384x16x128 with lindsl's 30 most expensive kernels by
#          name (where the backward's 2+ ms of inductor glue goes), after the fold's scaled adjoint read (du = -s dv,
#          one read kernel fewer); then the variant sweep of Gated DeltaNet;
#   GPU 1: the variant sweep of DeltaNet.
#   Variants (checks at gate x1 and x10, then 4x8192x16x128): READ_WARPS=8, READ_STAGES=2 (the read kernels' launch),
#   H_BF16=1 (bf16 chunk states for rank-one specs too: half the reads' state bytes), BWD_PREC=bf16 (the backward's
#   products in bf16).
set -u
V='READ_WARPS=8;READ_STAGES=2;H_BF16=1;BWD_PREC=bf16'
JOB_TIMEOUT=${JOBS:-450} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/profile_phases.py --specs deltanet,gated_deltanet --shape 2,16384,16,128 --detail 30 --out \$OUT/prof; python3 benchmarks/variant_sweep.py --out \$OUT/v --specs gated_deltanet --variants '$V' --budget 250" \
  "python3 benchmarks/variant_sweep.py --out \$OUT/v --specs deltanet --variants '$V' --budget 380"
