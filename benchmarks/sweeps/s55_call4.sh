#!/usr/bin/env bash
# Session 55's follow-up for the next session's first call (one GPU, about 8 minutes, timeout_s 560). bf16 products
# of two loaded bf16 tiles in every scan's reads without rank-one factors are the default since session 55 (measured
# there on Mamba-2 and RetNet only: -0.29 and -0.26 ms at 2x16384x16x128 on the H200). The families whose plain reads
# take it unmeasured, against tf32 (R0_TILE_BF16=0), each variant in its own process, checked at gate x1 and x10
# first: GLA, HGRN2, RWKV-6 (their plain reads beside the gated read-outs), Lightning and linear attention.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
for s in gla hgrn2 rwkv6 lightning linear_attn; do
  timeout 105 python3 benchmarks/variant_sweep.py --isolate --specs $s --bench-shape 2,16384,16,128 \
    --variants "R0_TILE_BF16=0" --budget 75 --out "$OUT/${s}_r0" 2>&1 | quiet | tail -3
  echo "$s done at ${SECONDS}s"
done
echo "all done at ${SECONDS}s"
