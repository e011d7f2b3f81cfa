#!/usr/bin/env bash
# Session 32, call 2 (nvidia-h200, about 6 minutes): where REV_SOURCES gains (Mamba-2, -0.13 ms of kernels at
# 2x16384x16x128) and loses (GLA +0.06 / +0.20, RetNet +0.12 at 4x4096x64x128), launch by launch, each variant in its
# own process; then the host's split (host_split.py) for Mamba-2 and the small shape.
set -u
export TORCHINDUCTOR_COMPILE_THREADS=4
trace() {  # rev specs shape
  local left=$((560 - SECONDS)); [ "$left" -lt 60 ] && { echo "skipped $*"; return; }
  mkdir -p "$OUT/trace_rev$1_${3//,/x}"
  LINDSL_TUNE_REV_SOURCES=$1 timeout "$left" python3 benchmarks/launch_trace.py --specs "$2" --shape "$3" \
    --out "$OUT/trace_rev$1_${3//,/x}" > "$OUT/trace_rev$1_${3//,/x}/log.txt" 2>&1
  grep "forward+backward" "$OUT/trace_rev$1_${3//,/x}/log.txt" | sed "s/^/rev$1 /"
}
timeout 200 python3 benchmarks/host_split.py --specs mamba2,gla,retnet --shapes "2,16384,16,128;4,2048,16,128" 2>&1 | grep -v Warn
trace 0 mamba2,retnet,gla 4,4096,64,128
trace 1 mamba2,retnet,gla 4,4096,64,128
trace 0 mamba2,retnet 2,16384,16,128
trace 1 mamba2,retnet 2,16384,16,128
true
