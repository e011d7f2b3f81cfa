#!/usr/bin/env bash
# Session 25, call 3 (nvidia-h200, one GPU, about 6 minutes), with one launch rule for the rank-one state passes at
# K = 128 (the widest value block giving 192 programs with bf16 products, 128 with tf32; folded or not):
# 1. the three backward passes by configuration at the shapes call 1 did not sweep (4x2048x16x128: 64 sequences,
#    where the rule's blocks are unmeasured; 1x8192x96x128), each case in its own process;
# 2. the two counts against the other's end to end at 2x16384x16x128 (Gated DeltaNet: tf32 128 against 192, its
#    forward's and rescan's folded pass 16 -> 32-wide; DeltaNet: bf16 192 against 128, its adjoint 32 -> 16-wide),
#    each variant in its own process;
# 3. every launch of a forward+backward with its grid, registers and achieved occupancy (launch_trace.py): Gated
#    DeltaNet and Mamba-2 against fla at 2x16384x16x128 (which of the four read launches hold the backward back).
set -u
for c in scalar:adj none:adj scalar:bwd; do
  timeout 100 python3 benchmarks/state_pass_sweep.py --rank-one --cases "$c" --shapes "4,2048,16,128;1,8192,96,128" \
    --budget 70 --out "$OUT/sweep_${c/:/_}" 2>&1 | grep -v -i warn | grep -v "^  FAILED" | tail -4
done
echo "sweeps done at ${SECONDS}s"
[ "$SECONDS" -lt 200 ] && timeout 120 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet \
  --variants "PROGRAMS_TF32=192" --bench-shape 2,16384,16,128 --budget 110 --out "$OUT/tf32" 2>&1 \
  | grep -A3 "^variant sweep, each"
[ "$SECONDS" -lt 330 ] && timeout 120 python3 benchmarks/variant_sweep.py --isolate --specs deltanet \
  --variants "PROGRAMS_BF16=128" --bench-shape 2,16384,16,128 --budget 110 --out "$OUT/bf16" 2>&1 \
  | grep -A3 "^variant sweep, each"
echo "A/B done at ${SECONDS}s"
[ "$SECONDS" -lt 460 ] && timeout $((570 - SECONDS)) python3 benchmarks/launch_trace.py --fla \
  --specs gated_deltanet,mamba2 --shape 2,16384,16,128 --out "$OUT/trace" 2>&1 | grep -v -i warn
true
