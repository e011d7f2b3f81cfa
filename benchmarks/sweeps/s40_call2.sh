#!/usr/bin/env bash
# Session 40 call 2 (one H200): the chunk-level adjoint with every phase a Triton kernel (chunk_adjoint_triton,
# behind LINDSL_TUNE_CHUNK_ADJOINT=1): checks in bf16 against the fp64 PyTorch engine at 2x1024x4x128, gate x1 and
# x10, for the rank-one specs without a per-dimension gate; forward+backward at 2x16384x16x128 against the default
# backward interleaved in one process (host_ab.py, fla timed too); the knob path's launches (launch_trace.py).
set -u
export TRITON_INTERPRET=0
LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 150 python3 - <<'PY'
import sys
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
for name in ("deltanet", "gated_deltanet", "mom_gated_deltanet"):
    for gate in (1.0, 10.0):
        try:
            rows, _ = gs.correctness(name, 2, 1024, 4, 128, gate)
        except Exception as err:  # a spec the suite does not size: report and go on
            print(name, "gate", gate, "ERROR", repr(err)[:300], flush=True)
            continue
        worst = max(rows, key=lambda r: r[1] / r[2])
        bad = [r for r in rows if not r[1] <= r[2]]
        print("chunk adjoint:", name, "gate", gate, "PASS" if not bad else "FAIL", "worst", worst, "bad", bad,
              flush=True)
PY
echo "checks done at ${SECONDS}s"
for spec in deltanet gated_deltanet; do
  timeout 150 python3 benchmarks/host_ab.py --specs $spec --shapes 2,16384,16,128 \
    --variants "CHUNK_ADJOINT=1" --rounds 3 2>&1 | grep -v -i "warning:\|warnings.warn"
  echo "host_ab $spec done at ${SECONDS}s"
done
LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 150 python3 benchmarks/launch_trace.py --specs deltanet,gated_deltanet \
  --shape 2,16384,16,128 --out "$OUT" 2>&1 | grep -v -i "warning:\|warnings.warn" | tail -60
echo "trace done at ${SECONDS}s"
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
