#!/usr/bin/env bash
# Session 14, call 4 (nvidia-h200, one GPU): the storing state pass without rank-one factors under the backward's
# tf32 products (call 3's profile: RetNet's two backward passes 0.61 ms each, not faster with call 1's bf16 choice)
# and under tf32x3 with fp32 inputs, every configuration checked against the default's states.
set -u
timeout 230 python3 benchmarks/state_pass_sweep.py --precision tf32 --cases none:1,scalar:0,vector:1 --budget 170 \
  --out "$OUT" 2>&1 | grep -v -i warn | tail -14
timeout 150 python3 benchmarks/state_pass_sweep.py --precision tf32x3 --cases scalar:0,vector:1 --budget 100 \
  --out "$OUT" 2>&1 | grep -v -i warn | tail -10
