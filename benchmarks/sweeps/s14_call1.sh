#!/usr/bin/env bash
# Session 14, call 1 (nvidia-h200, one GPU): launch configurations of the state pass without rank-one factors,
# including the new key split (LINDSL_TUNE_STATE_BK), each checked against the default's chunk states.
set -u
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 530 python3 benchmarks/state_pass_sweep.py --out "$OUT" --budget 430 2>&1 | tee "$OUT/state_pass_sweep.log" | tail -60
