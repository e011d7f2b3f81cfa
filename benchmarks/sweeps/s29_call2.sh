#!/usr/bin/env bash
# Session 29, call 2 (nvidia-h200, one GPU, about 9 minutes):
# 1. Issue 4's table for GLA, HGRN2 and RWKV-6 (session 28's rows measured 641f4e3, whose GLA and RWKV-6 checks at
#    gate x10 failed; the checks ride with the h16 group; call 1 found febb8e1's checks green);
# 2. the adjoint's gates summed where they lie (REV_GATES, the new default) against the flipped copy, GLA and RWKV-6;
# 3. KDA's two gauge knobs one at a time and REV_GATES=0, with what time is left.
set -u
TABLE_GPU0="gla:gla,hgrn2 rwkv6:rwkv6" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=290 JOB_TIMEOUT=330 \
  MAX_PROCS=8 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 380 ] && timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs gla,rwkv6 \
  --variants "REV_GATES=0" --bench-shape 2,16384,16,128 --budget $((570 - SECONDS)) \
  --out "$OUT/rev_gates" 2>&1 | grep -A5 "^variant sweep, each"
echo "REV_GATES done at ${SECONDS}s"
[ "$SECONDS" -lt 470 ] && timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "GATED_GAUGE=1;GATE_GRAD_KERNEL=1;REV_GATES=0" --bench-shape 2,16384,16,128 \
  --budget $((570 - SECONDS)) --out "$OUT/kda" 2>&1 | grep -A5 "^variant sweep, each"
true
