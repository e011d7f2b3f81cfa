#!/usr/bin/env bash
# Session 24, call 1 (as next_first_call.sh was at 0aec28b; nvidia-h200, about 9 minutes): session 23's unmeasured
# variants at 2x16384x16x128, each in its own process, checks at gate x1 and x10:
# 1. Gated DeltaNet: the scalar key gate's gauge terms summed in the reads' kernels (GAUGE_IN_READS=1: the results
#    leave in bf16, no glue pass over them); the WY kernel in 64-wide value blocks (PREP_BV=64: twice the programs,
#    each solving the system again); the WY kernel with eight warps (PREP_WARPS=8, never measured);
# 2. Mamba-2 with GAUGE_IN_READS=1 (its reads widened to one block, eight warps);
# 3. KDA with PREP_BV=64 if time is left (its decay block's spill is gone there).
# Then (second call): KDA's and RWKV-7's table rows, Gated DeltaNet by kernel (see NOTES.md v25's order).
set -u
timeout 330 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet \
  --variants "GAUGE_IN_READS=1;PREP_BV=64;PREP_WARPS=8" --bench-shape 2,16384,16,128 --budget 300 --out "$OUT/gdn" \
  2>&1 | grep -A5 "^variant sweep, each"
timeout $((470 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --variants "GAUGE_IN_READS=1" \
  --bench-shape 2,16384,16,128 --budget $((455 - SECONDS)) --out "$OUT/mamba2" 2>&1 | grep -A3 "^variant sweep, each"
[ "$SECONDS" -lt 340 ] && timeout $((570 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "PREP_BV=64" --bench-shape 2,16384,16,128 --budget $((555 - SECONDS)) --out "$OUT/kda" 2>&1 \
  | grep -A3 "^variant sweep, each"
true
