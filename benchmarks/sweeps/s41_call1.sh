#!/usr/bin/env bash
# The next session's first call (one H200; copy pytest-xdist's and execnet's wheels into .whl/ first: /opt/pypi/files/
# has them on the development machine). What came after session 40's last call (call 5), all behind
# LINDSL_TUNE_CHUNK_ADJOINT=1 (the chunk-level adjoint, every phase a Triton kernel): the delta rule's dv from the
# pass (PASS_FOLD), the gate's gauge terms summed in the kernels with bf16 gradients (CA_GAUGE), the forward's chunk
# states kept without gates (CA_KEEP_STATES, off), the adjoint reads' sources as flipped copies (CA_FLIP, off), the WY backward on eight
# warps (no spills with bf16 products, ptxas; four spill 16-260 bytes). (1) Checks at 2x1024x4x128,
# gate x1 and x10, for the rank-one specs without per-dimension gates; (2) forward+backward at 2x16384x16x128 against
# the default backward, variants interleaved in one process (host_ab.py); (3) the knob's launches (launch_trace.py).
set -u
export TRITON_INTERPRET=0
LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 150 python3 - <<'PY'
import sys
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
for name in ("deltanet", "gated_deltanet", "mom_gated_deltanet"):
    for gate in (1.0, 10.0):
        rows, _ = gs.correctness(name, 2, 1024, 4, 128, gate)
        worst = max(rows, key=lambda r: r[1] / r[2])
        bad = [r for r in rows if not r[1] <= r[2]]
        print("chunk adjoint:", name, "gate", gate, "PASS" if not bad else "FAIL", "worst", worst, "bad", bad,
              flush=True)
PY
echo "checks done at ${SECONDS}s"
timeout 190 python3 benchmarks/host_ab.py --specs deltanet --shapes 2,16384,16,128 --variants \
  "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,CA_KEEP_STATES=1;CHUNK_ADJOINT=1,CA_FLIP=1;CHUNK_ADJOINT=1,PASS_FOLD=0;CHUNK_ADJOINT=1,WYB_WARPS=8" --rounds 2 --no-fla 2>&1 \
  | grep -v -i "warning:\|warnings.warn\|online softmax\|split the reduction\|important use case\|^$"
echo "host_ab deltanet done at ${SECONDS}s"
timeout 190 python3 benchmarks/host_ab.py --specs gated_deltanet --shapes 2,16384,16,128 --variants \
  "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,PASS_PREC=bf16;CHUNK_ADJOINT=1,CA_GAUGE=0;CHUNK_ADJOINT=1,WYB_WARPS=8" --rounds 2 --no-fla 2>&1 \
  | grep -v -i "warning:\|warnings.warn\|online softmax\|split the reduction\|important use case\|^$"
echo "host_ab gated_deltanet done at ${SECONDS}s"
LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 90 python3 benchmarks/launch_trace.py --specs deltanet,gated_deltanet \
  --shape 2,16384,16,128 --min-us 30 --out "$OUT" 2>&1 | grep -v -i "warning:\|warnings.warn"
echo "trace done at ${SECONDS}s"
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
