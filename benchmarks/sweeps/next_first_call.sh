#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 9 minutes). Session 21 made the backward's
# gated read-outs (_read_amat_gated_kernel) take a whole chunk per program for the rank-one reads (KDA
# forward+backward 22.580 -> 21.760 ms); GLA, RWKV-6 and HGRN2 keep one 16-row block per program, unmeasured with
# the whole chunk: LINDSL_TUNE_GATED_ROWS=64 against the default at 2x16384x16x128, each variant in its own
# process, checks at gate x1 and x10. Make it their default (_sub_read's caller in chunk_scan_triton) if faster
# forward+backward with the checks green. Then KDA by kernel (forward+backward) after session 21.
set -u
timeout 300 python3 benchmarks/variant_sweep.py --isolate --specs gla,rwkv6,hgrn2 --variants "GATED_ROWS=64" \
  --bench-shape 2,16384,16,128 --budget 280 --out "$OUT/gla" 2>&1 | grep -A7 "^variant sweep, each"
[ "$SECONDS" -lt 480 ] && timeout $((585 - SECONDS)) python3 benchmarks/profile_phases.py \
  --specs kda --shape 2,16384,16,128 --detail 14 --out "$OUT/prof_kda" 2>&1 | grep -v -i warn | grep -A15 "kda lindsl f"
true
