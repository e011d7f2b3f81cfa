#!/usr/bin/env bash
# Session 54's GPU check, for the next session's first call (session 54 had no device): about 9 minutes, timeout_s 580.
# (1) Session 53's unused final state's cotangent left None (never run on a GPU): sweeps/s53_call6.sh.
# (2) The key gate's gauge terms summed by gauge_sum_triton (session 54: one pass per part, which also stores the
#     input gradients' casts in bf16, against the glue's ten PyTorch operations): GLA with its gated read-outs' own
#     gauge terms off (GATED_GAUGE=0), which then takes the pass, checked against fp64 at gate x1 and x10; RWKV-7 and
#     KDA forward+backward at 4x2048x16x128 (below GLUE_COMPILE_MIN: the glue runs eagerly there) with the pass (the
#     default) against the glue (GAUGE_KERNEL=0), each variant in its own process and checked at gate x1 and x10
#     first, wall clock and kernel sums (variant_sweep.py). Predicted from the bytes (RWKV-7 there, session 53's
#     trace: 0.66 ms of eager glue over [B, T, H, K] against about 0.27 ms for the two passes at 3 TB/s): about
#     -0.4 ms of kernel time each, and ten eager operations less host time.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
bash benchmarks/sweeps/s53_call6.sh
CHECK_TIMEOUT=45 checks gauge_gla "gla:1,10" LINDSL_TUNE_GATED_GAUGE=0 | grep -v "^    "
# (3) the other families session 54 changed, checked at gate x1 and x10 on the default path: the prologue's gate
#     sums (HGRN2, Gated DeltaNet, Mamba-2), the rescan's (Mamba-2, Gated DeltaNet), RWKV-6's shifted flips
CHECK_TIMEOUT=150 checks s54 "hgrn2:1,10 gated_deltanet:1,10 rwkv6:1,10 mamba2:1,10" | grep -v "^    "
echo "gauge checks done at ${SECONDS}s"
for s in rwkv7 kda; do
  timeout 150 python3 benchmarks/variant_sweep.py --isolate --specs $s --bench-shape 4,2048,16,128 \
    --variants "GAUGE_KERNEL=0" --budget 100 --out "$OUT/${s}_gauge" 2>&1 | quiet | tail -4
  echo "$s done at ${SECONDS}s"
done
echo "all done at ${SECONDS}s"
