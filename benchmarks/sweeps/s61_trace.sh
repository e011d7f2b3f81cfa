#!/usr/bin/env bash
# Session 61's second call: KDA by launch at 4x4096x64x128 through the per-dimension gate's chunk-level adjoint
# (CHUNK_ADJOINT=1, 47.4 ms forward+backward on the H200 against the rescan's 34.7 in call 1) and through the default
# rescan beside fla's, to see which launches make the difference.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 200 python3 benchmarks/launch_trace.py --specs kda --shape 4,4096,64,128 \
  --min-us 40 --out "$OUT/ca" 2>&1 | quiet | tail -40
echo "ca done at ${SECONDS}s"
timeout 250 python3 benchmarks/launch_trace.py --specs kda --shape 4,4096,64,128 --fla --min-us 40 --out "$OUT/default" \
  2>&1 | quiet | tail -70
echo "all done at ${SECONDS}s"
