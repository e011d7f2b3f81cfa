#!/usr/bin/env bash
# Session 15, call 3 (nvidia-h200, one GPU):
#   1. the read sweep's unfolded rank-one cases (the delta rule's adjoint reads, 3 of DeltaNet's 6 read launches);
#   2. DeltaNet and Gated DeltaNet after the folded reads' launch rule (_read_launch): checked and timed;
#   3. BWD_PREC=bf16 for specs whose backward has no gate gradient (RetNet's and Lightning's fixed decays, plain
#      linear attention): the backward's reads now take bf16 chunk states there; checked (gate x1, x10) and timed;
#   4. the scalar_k_bf16 read configurations one by one with CUDA_LAUNCH_BLOCKING=1 (call 1's illegal access).
set -u
timeout 170 python3 benchmarks/read_sweep.py --out "$OUT/r" --budget 140 --cases r1_v_tf32,r1_k_tf32 2>&1 \
  | grep -v -i warn | tail -10
timeout 120 python3 benchmarks/variant_sweep.py --specs deltanet,gated_deltanet --bench-shape 2,16384,16,128 \
  --budget 90 --out "$OUT/v1" 2>&1 | grep -A3 "^variant sweep"
timeout 150 python3 benchmarks/variant_sweep.py --specs retnet,lightning,linear_attn --variants "BWD_PREC=bf16" \
  --bench-shape 2,16384,16,128 --budget 120 --out "$OUT/v2" 2>&1 | grep -A7 "^variant sweep"
CUDA_LAUNCH_BLOCKING=1 timeout 80 python3 benchmarks/read_sweep.py --out "$OUT/rc" --budget 60 --verbose \
  --cases scalar_k_bf16 > "$OUT/crash.log" 2>&1
grep -E "^  scalar_k_bf16" "$OUT/crash.log" | tail -2; grep -m2 -E "Error|^scalar_k_bf16" "$OUT/crash.log"
