#!/usr/bin/env bash
# Session 20, call 2 (nvidia-h200, one GPU, at most 10 minutes): products of two loaded bf16 tiles in bf16 by
# default (the rank-one reads and the WY system, call 1). DeltaNet's and Gated DeltaNet's table rows at fla's
# shapes, checked first at gate x1 and x10 (two waves of four processes); MoM (no fla row) checked with the knobs
# off as the A/B; then KDA's U_BF16=0 (the forward's bf16 u, session 19, not yet timed) if time is left.
set -u
TABLE_GPU0="dn:deltanet gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=200 JOB_TIMEOUT=230 \
  MAX_PROCS=4 bash benchmarks/sweeps/table_call.sh
mkdir -p "$OUT/table" && mv "$OUT/all.tar.gz" "$OUT/table/"
timeout 120 python3 benchmarks/variant_sweep.py --isolate --specs mom_gated_deltanet --variants "R1_TILE_BF16=0,WY_TILE_BF16=0" \
  --bench-shape 2,16384,16,128 --budget 100 --out "$OUT/mom" 2>&1 | grep -A3 "^variant sweep, each"
[ "$SECONDS" -lt 370 ] && timeout $((580 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "U_BF16=0" --bench-shape 2,16384,16,128 --budget $((550 - SECONDS)) --out "$OUT/kda" 2>&1 \
  | grep -A3 "^variant sweep, each"
true
