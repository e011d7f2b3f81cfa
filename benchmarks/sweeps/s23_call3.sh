#!/usr/bin/env bash
# Session 23, call 3 (nvidia-h200, one GPU, at most about 9 minutes: the budget left): Gated DeltaNet's and
# DeltaNet's table rows with session 23's defaults (the WY solve through 16-row blocks, the plain reads of one side
# merged), fla's five shapes in one wave, checks at gate x1 and x10; then, if time is left, KDA at 1x8192x96x128
# (384 programs of 32-wide value blocks: the new rule takes 32 there, unmeasured) against 16-wide blocks.
set -u
TABLE_GPU0="gdn:gated_deltanet dn:deltanet" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=270 JOB_TIMEOUT=330 \
  MAX_PROCS=8 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 320 ] && timeout $((550 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "STATE_BV=16" --bench-shape 1,8192,96,128 --budget $((535 - SECONDS)) --out "$OUT/kda_h96" 2>&1 \
  | grep -A3 "^variant sweep, each"
true
