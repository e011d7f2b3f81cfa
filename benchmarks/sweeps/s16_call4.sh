#!/usr/bin/env bash
# Session 16, call 4 (nvidia-h200, one GPU): the final token-layout code (under autograd only for states without
# rank-one factors or learned gates, with the backward's rescan in the layout) against LINDSL_TUNE_TOKEN_LAYOUT=0,
# checked and timed in one run for RetNet and linear attention; then issue 4's table for the families it reaches
# (RetNet/Mamba-2, DeltaNet, Gated DeltaNet) at fla's shapes.
set -u
timeout 110 python3 benchmarks/variant_sweep.py --specs retnet,linear_attn --variants "TOKEN_LAYOUT=0" \
  --bench-shape 2,16384,16,128 --budget 85 --out "$OUT/v" 2>&1 | grep -A5 "^variant sweep"
TABLE_GPU0="sgla:retnet,mamba2 dn:deltanet gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=290 \
  JOB_TIMEOUT=350 bash benchmarks/sweeps/table_call.sh
