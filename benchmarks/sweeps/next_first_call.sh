#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 9 minutes), for what session 21 left
# unmeasured in the backward's gated read-outs (_read_amat_gated_kernel), each variant in its own process at
# 2x16384x16x128, checks at gate x1 and x10:
# 1. GLA and RWKV-6 with a whole chunk per program (LINDSL_TUNE_GATED_ROWS=64; the rank-one reads' default since
#    session 21, KDA forward+backward 22.580 -> 21.760 ms); make it their default (chunk_scan_triton's sub_amat
#    call of _sub_read) if faster forward+backward with the checks green (HGRN2 takes the same path).
# 2. KDA with each diagonal block's second half against its first through a reference row on the tensor cores
#    (LINDSL_TUNE_GATED_HALVES=1: 8 steps one source row at a time instead of 16), and with the forward read's
#    pair scores made by the WY system's scores kernels from the same exponentials (LINDSL_TUNE_SHARED_SCORES=1);
#    each the default if faster (forward+backward, resp. forward) with the checks green.
# Then KDA by kernel (forward and forward+backward) if time is left.
set -u
timeout 230 python3 benchmarks/variant_sweep.py --isolate --specs gla,rwkv6 --variants "GATED_ROWS=64" \
  --bench-shape 2,16384,16,128 --budget 200 --out "$OUT/gla" 2>&1 | grep -A5 "^variant sweep, each"
timeout $((540 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "GATED_HALVES=1;SHARED_SCORES=1" --bench-shape 2,16384,16,128 --budget $((450 - SECONDS)) \
  --out "$OUT/kda" 2>&1 | grep -A4 "^variant sweep, each"
[ "$SECONDS" -lt 490 ] && timeout $((585 - SECONDS)) python3 benchmarks/profile_phases.py \
  --specs kda --shape 2,16384,16,128 --detail 14 --out "$OUT/prof_kda" 2>&1 | grep -v -i warn | grep -A15 "kda lindsl f"
true
