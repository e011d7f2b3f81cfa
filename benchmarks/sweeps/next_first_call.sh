#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 9 minutes); see NOTES.md v26's order:
# 1. the backward's state passes by launch configuration at 2x16384x16x128 and 4x4096x64x128: the adjoint's
#    (rank-one, unfolded) in Gated DeltaNet's tf32 form and DeltaNet's bf16 form, and Gated DeltaNet's folded tf32
#    rescan, each in its own process (a faulting configuration breaks its process's CUDA context), every
#    configuration's states checked against the default's;
# 2. the host's forward+backward by function at 4x2048x16x128 (DeltaNet, Mamba-2), compiled glue against eager;
# 3. Gated DeltaNet with three stages in its adjoint pass (UNFOLDED_STAGES=3: 1.530 -> 1.267 ms alone at
#    2x16384x16x128 in session 24), each variant in its own process;
# 4. Mamba-2 by kernel at 2x16384x16x128 (is its forward+backward row the host's?).
set -u
for c in scalar:adj none:adj scalar:bwd; do
  timeout 100 python3 benchmarks/state_pass_sweep.py --rank-one --cases "$c" --shapes "2,16384,16,128;4,4096,64,128" \
    --budget 70 --out "$OUT/sweep_${c/:/_}" 2>&1 | grep -v -i warn | tail -8
done
echo "sweeps done at ${SECONDS}s"
[ "$SECONDS" -lt 330 ] && timeout 130 python3 benchmarks/host_overhead.py --specs deltanet,mamba2 --shapes 4,2048,16,128 \
  --variants ";BWD_GLUE=eager,PROLOGUE=eager,EPILOGUE=eager" --profile fb --out "$OUT/host" 2>&1 | grep -v -i warn \
  | tail -6
echo "host done at ${SECONDS}s"
[ "$SECONDS" -lt 400 ] && timeout $((540 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate \
  --specs gated_deltanet --variants "UNFOLDED_STAGES=3" --bench-shape 2,16384,16,128 --budget $((520 - SECONDS)) \
  --out "$OUT/stages" 2>&1 | grep -A3 "^variant sweep, each"
[ "$SECONDS" -lt 500 ] && timeout $((580 - SECONDS)) python3 benchmarks/profile_phases.py --specs mamba2 \
  --shape 2,16384,16,128 --detail 12 --out "$OUT/prof_m2" 2>&1 | grep -v -i warn | grep -E -A12 "^mamba2 lindsl fb" \
  | head -14
true
