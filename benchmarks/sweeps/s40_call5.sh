#!/usr/bin/env bash
# Session 40 call 5 (one H200, the last ~7 minutes of device time): the chunk-level adjoint with its gradients
# stored in the inputs' dtype (no fp32 copies to cast) and the reads' scale applied by the dx read; with and
# without bf16 products in the WY backward (LINDSL_TUNE_WYB_PREC=bf16): checks at gate x10 for DeltaNet and Gated
# DeltaNet; forward+backward at 2x16384x16x128 against the default backward, interleaved in one process.
set -u
export TRITON_INTERPRET=0
for prec in tf32 bf16; do
LINDSL_TUNE_WYB_PREC=$prec LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 90 python3 - <<'PY'
import os, sys
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
for name in ("deltanet", "gated_deltanet"):
    rows, _ = gs.correctness(name, 2, 1024, 4, 128, 10.0)
    worst = max(rows, key=lambda r: r[1] / r[2])
    bad = [r for r in rows if not r[1] <= r[2]]
    print("chunk adjoint WYB_PREC", os.environ["LINDSL_TUNE_WYB_PREC"], name, "gate 10", "PASS" if not bad else "FAIL",
          "worst", worst, "bad", bad, flush=True)
PY
done
echo "checks done at ${SECONDS}s"
for spec in deltanet gated_deltanet; do
  timeout 130 python3 benchmarks/host_ab.py --specs $spec --shapes 2,16384,16,128 \
    --variants "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,WYB_PREC=bf16" --rounds 2 --no-fla 2>&1 | grep -v -i "warning:\|warnings.warn\|online softmax\|split the reduction\|important use case\|^$"
  echo "host_ab $spec done at ${SECONDS}s"
done
true
