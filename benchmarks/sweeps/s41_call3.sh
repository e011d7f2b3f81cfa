#!/usr/bin/env bash
# Session 41, call 3 (one H200): the chunk-level adjoint (LINDSL_TUNE_CHUNK_ADJOINT=1) with call 2's launch choices
# as its defaults (merged reads without rank-one factors on four warps, the gated pass in bf16). (1) Checks at
# 2x1024x4x128, gate x1 and x10; (2) forward+backward at fla's five D <= 128 shapes against the default backward,
# with R0_TILE_BF16=1 beside it (interleaved in one process per spec and shape); (3) the launches at 4x4096x64x128,
# where call 2 found the knob 2.7 ms behind for DeltaNet, and fla's at 2x16384x16x128.
set -u
export TRITON_INTERPRET=0
quiet() { grep -v -i "warning:\|warnings.warn\|online softmax\|split the reduction\|important use case\|^$\|_warn_once"; }
LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 110 python3 - <<'PY' 2>&1 | quiet
import sys
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
for name, gates in (("deltanet", (1.0, 10.0)), ("gated_deltanet", (1.0, 10.0)), ("mom_gated_deltanet", (10.0,))):
    for gate in gates:
        rows, _ = gs.correctness(name, 2, 1024, 4, 128, gate)
        worst = max(rows, key=lambda r: r[1] / r[2])
        bad = [r for r in rows if not r[1] <= r[2]]
        print("chunk adjoint:", name, "gate", gate, "PASS" if not bad else "FAIL", "worst", worst, "bad", bad,
              flush=True)
PY
echo "checks done at ${SECONDS}s"
for shape in 2,16384,16,128 4,4096,64,128 1,8192,96,128 4,2048,16,128 8,1024,8,64; do
  for spec in deltanet gated_deltanet; do
    if [ "$SECONDS" -gt 430 ]; then echo "skipped $spec $shape (time)"; continue; fi
    timeout 60 python3 benchmarks/host_ab.py --specs $spec --shapes $shape --variants \
      "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,R0_TILE_BF16=1" --rounds 3 --no-fla 2>&1 | quiet
  done
done
echo "host_ab done at ${SECONDS}s"
if [ "$SECONDS" -lt 470 ]; then
  LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 40 python3 benchmarks/launch_trace.py --specs deltanet --shape 4,4096,64,128 \
    --min-us 60 --out "$OUT/knob" 2>&1 | quiet
  timeout 40 python3 benchmarks/launch_trace.py --specs deltanet --shape 4,4096,64,128 --min-us 60 \
    --out "$OUT/default" 2>&1 | quiet
fi
echo "traces done at ${SECONDS}s"
if [ "$SECONDS" -lt 480 ]; then
  timeout $((560 - SECONDS)) python3 benchmarks/launch_trace.py --specs deltanet --fla --shape 2,16384,16,128 \
    --min-us 30 --out "$OUT/fla" 2>&1 | quiet
fi
echo "all done at ${SECONDS}s"
