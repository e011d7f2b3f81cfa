#!/usr/bin/env bash
# Session 55's follow-up for the next session's first call (one GPU, about 9 minutes, timeout_s 580). (1) The GPU
# checks of session 55's changes made after its calls (the gate gradient's pair of addends and read-constant factor,
# a scalar gate's boundary sums over K in the boundary kernel, params summed in groups), at gate x1 and x10: Mamba-2,
# KDA, RWKV-7 (the forward+backward A/Bs below check GLA, HGRN2, RWKV-6, Lightning and linear attention). (2) bf16 products
# of two loaded bf16 tiles in every scan's reads without rank-one factors are the default since session 55 (measured
# there on Mamba-2 and RetNet only: -0.29 and -0.26 ms at 2x16384x16x128 on the H200). The families whose plain reads
# take it unmeasured, against tf32 (R0_TILE_BF16=0), each variant in its own process, checked at gate x1 and x10
# first: GLA, HGRN2, RWKV-6 (their plain reads beside the gated read-outs), Lightning and linear attention.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
CHECK_TIMEOUT=110 checks s55 "mamba2:1,10 kda:1,10 rwkv7:1,10" | grep -v "^    "
echo "checks done at ${SECONDS}s"
for s in gla hgrn2 rwkv6 lightning linear_attn; do
  timeout 90 python3 benchmarks/variant_sweep.py --isolate --specs $s --bench-shape 2,16384,16,128 \
    --variants "R0_TILE_BF16=0" --budget 65 --out "$OUT/${s}_r0" 2>&1 | quiet | tail -3
  echo "$s done at ${SECONDS}s"
done
echo "all done at ${SECONDS}s"
