#!/usr/bin/env bash
# Session 39 call 5 (one H200, the last ~4 minutes of device time): the chunk-level adjoint behind
# LINDSL_TUNE_CHUNK_ADJOINT=1 (PyTorch phases around the Triton pass kernel) on the GPU: DeltaNet's and Gated
# DeltaNet's checks in bf16 against the fp64 PyTorch engine at 2x1024x4x128, gate x1 and x10; then DeltaNet's
# forward+backward at 2x16384x16x128 against the default backward, interleaved in one process (host_ab.py).
set -u
export TRITON_INTERPRET=0
LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 60 python3 - <<'PY'
import sys
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
for name in ("deltanet", "gated_deltanet"):
    for gate in (1.0, 10.0):
        rows, _ = gs.correctness(name, 2, 1024, 4, 128, gate)
        worst = max(rows, key=lambda r: r[1] / r[2])
        bad = [r for r in rows if not r[1] <= r[2]]
        print(name, "gate", gate, "PASS" if not bad else "FAIL", "worst", worst, "bad", bad, flush=True)
PY
echo "checks done at ${SECONDS}s"
timeout $((175 - SECONDS)) python3 benchmarks/host_ab.py --specs deltanet --shapes 2,16384,16,128 \
  --variants "CHUNK_ADJOINT=1" --rounds 2 --no-fla 2>&1 | grep -v -i "warning:\|warnings.warn"
true
