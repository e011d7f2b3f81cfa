#!/usr/bin/env bash
# Session 25, call 2 (nvidia-h200, one GPU, about 9 minutes), with the unfolded (adjoint) state pass's new launch
# rule (the widest value block giving 128 programs; tf32 one stage at 64, three below) and the environment read
# from os.environ's bytes mapping:
# 1. DeltaNet's and Gated DeltaNet's table rows, fla's five shapes in one wave of eight processes, checks at gate x1
#    and x10;
# 2. the rule against the previous launch (UNFOLDED_RULE=0) end to end at 4x4096x64x128 (call 1's sweep: the
#    adjoint's pass 2.060 -> 1.464 ms in tf32, 1.416 -> 0.858 in bf16), each variant in its own process.
set -u
TABLE_GPU0="dn:deltanet gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=270 JOB_TIMEOUT=330 \
  MAX_PROCS=8 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 360 ] && timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate \
  --specs gated_deltanet,deltanet --variants "UNFOLDED_RULE=0" --bench-shape 4,4096,64,128 \
  --budget $((570 - SECONDS)) --out "$OUT/rule" 2>&1 | grep -A5 "^variant sweep, each"
echo "A/B done at ${SECONDS}s"
true
