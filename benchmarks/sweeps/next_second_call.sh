#!/usr/bin/env bash
# The next session's second device call (nvidia-h200, one GPU, about 9 minutes), written in session 28; see NOTES.md
# v30's order. Edit the defaults first by what the first call found (READ_SCALES, BWD_STATE_PREC).
# 1. Issue 4's table for GLA, HGRN2 and RWKV-6 (session 28's rows measured 641f4e3, whose GLA and RWKV-6 checks at
#    gate x10 failed; the checks ride with the h16 group);
# 2. KDA's two knobs one at a time (both together: 21.081 -> 21.855 ms in session 28), if time is left.
set -u
TABLE_GPU0="gla:gla,hgrn2 rwkv6:rwkv6" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=290 JOB_TIMEOUT=330 \
  MAX_PROCS=8 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 400 ] && timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "GATED_GAUGE=1;GATE_GRAD_KERNEL=1" --bench-shape 2,16384,16,128 --budget $((570 - SECONDS)) \
  --out "$OUT/kda" 2>&1 | grep -A4 "^variant sweep, each"
true
