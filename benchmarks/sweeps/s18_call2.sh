#!/usr/bin/env bash
# Session 18, call 2 (nvidia-h200, one GPU, about 9 minutes):
#   1. the table's per-dimension-gate half (GLA, HGRN2, KDA, RWKV-6, RWKV-7: four family groups, checks first);
#   2. GLA's forward+backward by kernel after the register fix (call 1: _read_amat_gated_kernel 3.213 ms in the
#      token layout against 2.667 in the rows; ptxas: 142 against 128 registers, now 128 in both).
set -u
TABLE_GPU0="gla:gla,hgrn2 kda:kda rwkv6:rwkv6 rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=280 \
  JOB_TIMEOUT=340 bash benchmarks/sweeps/table_call.sh
mv "$OUT/all.tar.gz" "$OUT/table.tar.gz"
timeout 80 python3 benchmarks/profile_phases.py --specs gla --shape 2,16384,16,128 --detail 12 --out "$OUT/prof" 2>&1 \
  | grep -v -i warn | grep -A14 "gla lindsl fb"
# 3. The adjoint's value-side rank-one reads spill at 4 warps (ptxas for sm_90: DeltaNet 255 registers and 72 bytes
#    of spill, Gated DeltaNet 16): every read at 8 warps, a launch knob (one process is fair).
timeout 130 python3 benchmarks/variant_sweep.py --specs deltanet,gated_deltanet --variants "READ_WARPS=8" \
  --bench-shape 2,16384,16,128 --budget 100 --out "$OUT/warps" 2>&1 | grep -A5 "^variant sweep"
