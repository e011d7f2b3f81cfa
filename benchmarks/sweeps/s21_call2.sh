#!/usr/bin/env bash
# Session 21, call 2 (nvidia-h200, one GPU, about 9 minutes): with chunks of 64 the default for KDA and RWKV-7
# (call 1), the backward's gated read-outs (_read_amat_gated_kernel, 7.57 ms of KDA's 22.58 in four launches): the
# adjoint's two value-side reads of one state and one source pair read out in one launch (READ_MERGE, default on;
# =0: one launch each), then the read-out's occupancy (two warps; 32-wide value blocks), KDA at 2x16384x16x128,
# each variant in its own process, checks at gate x1 and x10; then KDA by kernel.
set -u
timeout 470 python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "READ_MERGE=0;SUB_GATED_WARPS=2;READ_BO=32" \
  --bench-shape 2,16384,16,128 --budget 400 --out "$OUT/kda" 2>&1 | grep -A5 "^variant sweep, each"
[ "$SECONDS" -lt 490 ] && timeout $((585 - SECONDS)) python3 benchmarks/profile_phases.py \
  --specs kda --shape 2,16384,16,128 --detail 12 --out "$OUT/prof_kda" 2>&1 | grep -v -i warn | grep -A13 "kda lindsl fb"
true
