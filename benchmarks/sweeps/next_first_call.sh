#!/usr/bin/env bash
# The next session's first device call (nvidia-h200, one GPU, about 9 minutes), written in session 28; see NOTES.md
# v30's order.
# 1. The GPU checks of febb8e1 (the read constants' adjoint from dS_T / c, never run on the GPU) for every library
#    spec with a constant read factor, at gate x1 and x10 (gpu_suite.py's checks only);
# 2. GLA and RWKV-6 with READ_SCALES=0 against the default (call 3 of session 28 timed 641f4e3, whose x10 checks
#    failed) and with the backward's state passes in bf16 (BWD_STATE_PREC=bf16: GLA's two tf32 passes 0.47 ms
#    each against the forward's bf16 pass 0.38), each in its own process, 2x16384x16x128;
# 3. RetNet's READ_SCALES A/B by launch (its wall-clock forward is host-bound and bimodal), if time is left.
# (KDA's two knobs one at a time and the table rows: the second call.)
set -u
timeout 200 python3 benchmarks/gpu_suite.py --bench-shapes "" --specs retnet,gla,hgrn2,rwkv6,deltanet,gated_deltanet,kda,rwkv7 \
  --out "$OUT/checks" 2>&1 | grep -E "PASS|FAIL|rror" | head -40
echo "checks done at ${SECONDS}s"
[ "$SECONDS" -lt 240 ] && timeout 290 python3 benchmarks/variant_sweep.py --isolate --specs gla,rwkv6 \
  --variants "READ_SCALES=0;BWD_STATE_PREC=bf16" --bench-shape 2,16384,16,128 --budget 270 --out "$OUT/scales" \
  2>&1 | grep -A7 "^variant sweep, each"
echo "A/B done at ${SECONDS}s"
for v in 1 0; do
  [ "$SECONDS" -lt 470 ] && LINDSL_TUNE_READ_SCALES=$v timeout 50 python3 benchmarks/launch_trace.py --specs retnet \
    --shape 2,16384,16,128 --out "$OUT/trace_retnet_$v" 2>&1 | grep -v -i warn | head -3
done
echo "traces done at ${SECONDS}s"
true
