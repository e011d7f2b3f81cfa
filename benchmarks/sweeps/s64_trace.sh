#!/usr/bin/env bash
# KDA's forward+backward by launch beside fla's at 4x4096x64x128 (fla's configs pinned), alone, for the few device
# minutes session 64's refusals left (launch_trace.py writes its JSON after each library's trace).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
python3 benchmarks/launch_trace.py --specs kda --fla --shape 4,4096,64,128 --min-us 40 --out "$OUT/trace_kda" 2>&1 \
  | quiet | head -60
echo "all done at ${SECONDS}s"
