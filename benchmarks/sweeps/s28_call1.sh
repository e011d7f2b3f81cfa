#!/usr/bin/env bash
# Session 28, call 1 (nvidia-h200, one GPU, about 7 minutes), written in session 27 as next_first_call.sh; see NOTES.md
# v29's order. Each variant in its own process, checks at gate x1 and x10:
# 1. GLA at 2x16384x16x128 (session 27: 9.679 ms forward+backward with the halves): the gauge terms in the gated
#    read-outs (GATED_GAUGE=1: no fp32 results, casts or gauge sums in the glue; predicted -0.4 to -0.6 ms), the gate
#    gradient's kernel (GATE_GRAD_KERNEL=1: the glue's within-chunk reverse sums, final/boundary adds and cast in one
#    pass; predicted -0.4 ms), the adjoint reading the forward's scores flipped (FLIPPED_SCORES=1: two score
#    launches fewer, predicted -0.6 ms, peak +134 MB at most), and the three together;
# 2. RWKV-6 with the first two (its forward term a token early: GSHIFT; one read before the update: no flipped
#    scores);
# 3. GLA by launch with the three knobs on (which launches went, what the new ones cost);
# 4. the per-dimension tf32 state pass by configuration (the backward's two passes of GLA-like specs: 0.59 ms each
#    at 2x16384x16x128 on 128 programs of two warps against the forward's bf16 pass 0.39 and fla's h/dh 0.37).
set -u
timeout 300 python3 benchmarks/variant_sweep.py --isolate --specs gla \
  --variants "GATED_GAUGE=1;GATE_GRAD_KERNEL=1;FLIPPED_SCORES=1;GATED_GAUGE=1,GATE_GRAD_KERNEL=1,FLIPPED_SCORES=1" \
  --bench-shape 2,16384,16,128 --budget 270 --out "$OUT/gla" 2>&1 | grep -A6 "^variant sweep, each"
echo "A/B 1 done at ${SECONDS}s"
[ "$SECONDS" -lt 330 ] && timeout 130 python3 benchmarks/variant_sweep.py --isolate --specs rwkv6 \
  --variants "GATED_GAUGE=1,GATE_GRAD_KERNEL=1" --bench-shape 2,16384,16,128 --budget 110 --out "$OUT/rwkv6" 2>&1 \
  | grep -A3 "^variant sweep, each"
echo "A/B 2 done at ${SECONDS}s"
[ "$SECONDS" -lt 420 ] && LINDSL_TUNE_GATED_GAUGE=1 LINDSL_TUNE_GATE_GRAD_KERNEL=1 LINDSL_TUNE_FLIPPED_SCORES=1 \
  timeout 70 python3 benchmarks/launch_trace.py --specs gla --shape 2,16384,16,128 --out "$OUT/trace_knobs" 2>&1 \
  | grep -v -i warn | head -45
echo "trace done at ${SECONDS}s"
[ "$SECONDS" -lt 460 ] && timeout $((585 - SECONDS)) python3 benchmarks/state_pass_sweep.py --precision tf32 \
  --cases vector:0 --shapes "2,16384,16,128;4,4096,64,128" --budget $((550 - SECONDS)) --out "$OUT/vector_tf32" 2>&1 \
  | grep -v -i warn | grep -v "^  FAILED" | tail -4
true
