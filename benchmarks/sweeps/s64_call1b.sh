#!/usr/bin/env bash
# Session 64's call on what device time the refusals left (about 5 minutes): KDA's forward+backward by launch beside
# fla's at 4x4096x64x128 (fla's configs pinned), the measurement the issue asks for where a family stays below 1.0x;
# then, if time is left, the Gated DeltaNet and DeltaNet rows at 4x4096x64x128 on session 63's defaults.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 200 python3 benchmarks/launch_trace.py --specs kda --fla --shape 4,4096,64,128 --min-us 40 \
  --out "$OUT/trace_kda" 2>&1 | quiet | head -60
echo "trace done at ${SECONDS}s"
[ "$SECONDS" -lt 260 ] && TABLE_GPU0="dn:deltanet gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 \
  TABLE_SHAPES="h16:4,4096,64,128" CHECK_SHAPE=2,4096,8,128 DEADLINE=120 JOB_TIMEOUT=$((500 - SECONDS)) \
  timeout $((510 - SECONDS)) bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
