#!/usr/bin/env bash
# Session 49, call 2 (the same warm H200 as call 1). Call 1: the paired reads lost (Mamba-2 f+b kernels 4.152 ->
# 4.839 ms) but the second stream saved 0.28 ms of wall clock on top of them (4.868 -> 4.589). So: BWD_STREAMS=1
# alone (the rescan's state pass beside the adjoint's, reads from stored states) for the three R = 0 families with a
# kept-state backward, each variant in its own process, checked at gate x1 and x10. About 7 minutes.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
for s in mamba2 retnet gla; do
  timeout 150 python3 benchmarks/variant_sweep.py --isolate --specs $s --bench-shape 2,16384,16,128 \
    --variants "BWD_STREAMS=1" --budget 100 --out "$OUT/${s}_streams" 2>&1 | quiet | tail -3
  echo "$s done at ${SECONDS}s"
done
