#!/usr/bin/env bash
# Session 59 call 2: call 1's fusion A/B again (its --variants text joined two knobs with a space, not a comma),
# then the rest of call 1's launch trace (DeltaNet's fla, RWKV-6, GLA at 8x1024x8x64).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
for shape in 2,16384,16,128 4,4096,64,128; do
  timeout 150 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape $shape \
    --variants "SKIP_IN_READ=1,VALUE_SCALE=1;SKIP_IN_READ=2,VALUE_SCALE=2" --budget 120 --out "$OUT/fusions_${shape//,/x}" \
    2>&1 | quiet | grep -v "^variant sweep"
done
echo "fusions done at ${SECONDS}s"
timeout 150 python3 benchmarks/launch_trace.py --specs deltanet,rwkv6,gla --shape 8,1024,8,64 --fla \
  --out "$OUT" 2>&1 | quiet > "$OUT/trace_8x1024x8x64.txt"
grep -v "^  " "$OUT/trace_8x1024x8x64.txt" | tail -20
echo "all done at ${SECONDS}s"
