#!/usr/bin/env bash
# Session 14, call 3 (nvidia-h200, one GPU):
#   1. kernel time by name of RetNet and GLA at 2x16384x16x128 after the storing pass's 64 x 64 blocks (call 2's
#      table showed their forwards faster but forward+backward unchanged: where did the backward's gain go?);
#   2. issue 4's table for DeltaNet and Gated DeltaNet after the rank-one storing pass's value blocks (checked at
#      gate x1 and x10 first).
set -u
timeout 170 python3 benchmarks/profile_phases.py --specs retnet,gla --shape 2,16384,16,128 --detail 25 --out "$OUT/prof" 2>&1 | grep -v Warn | tail -80
TABLE_GPU0="dn:deltanet gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=300 \
  JOB_TIMEOUT=370 bash benchmarks/sweeps/table_call.sh
