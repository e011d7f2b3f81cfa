#!/usr/bin/env bash
# Session 40 call 4 (one H200): the chunk-level adjoint with (I - M)^-1 kept by the forward, the pass in bf16 without a gate, the WY backward on four warps (after call 3;
# kernel, 32-wide value blocks and two stages; the WY backward in two key-blocked kernels; bf16 adjoint states
# without gate gradients): checks for DeltaNet and Gated DeltaNet at gate x1 and x10; DeltaNet's forward+backward
# at 2x16384x16x128, default against the knob and its launch variants, interleaved in one process; launches.
set -u
export TRITON_INTERPRET=0
LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 120 python3 - <<'PY'
import sys
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
for name in ("deltanet", "gated_deltanet"):
    for gate in (1.0, 10.0):
        rows, _ = gs.correctness(name, 2, 1024, 4, 128, gate)
        worst = max(rows, key=lambda r: r[1] / r[2])
        bad = [r for r in rows if not r[1] <= r[2]]
        print("chunk adjoint:", name, "gate", gate, "PASS" if not bad else "FAIL", "worst", worst, "bad", bad,
              flush=True)
PY
echo "checks done at ${SECONDS}s"
timeout 150 python3 benchmarks/host_ab.py --specs deltanet --shapes 2,16384,16,128 --variants \
  "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,WYB_WARPS=8;CHUNK_ADJOINT=1,PASS_PREC=tf32" \
  --rounds 3 2>&1 | grep -v -i "warning:\|warnings.warn"
timeout 120 python3 benchmarks/host_ab.py --specs gated_deltanet --shapes 2,16384,16,128 --variants \
  "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,WYB_WARPS=8" --rounds 3 --no-fla 2>&1 | grep -v -i "warning:\|warnings.warn"
echo "host_ab done at ${SECONDS}s"
LINDSL_TUNE_CHUNK_ADJOINT=1 timeout 120 python3 benchmarks/launch_trace.py --specs deltanet,gated_deltanet \
  --shape 2,16384,16,128 --out "$OUT" > /dev/null 2>&1
python3 - <<'PY'
import json, os
d = json.load(open(os.path.join(os.environ["OUT"], "launch_trace.json")))
for spec, rows in d["rows"].items():
    print("==", spec, "total", round(sum(r["us"] for r in rows)), "us", len(rows), "launches")
    for r in rows:
        if r["us"] > 30:
            print(f"{r['us']:9.1f} {r['name'][:80]} {r['grid']}")
PY
echo "trace done at ${SECONDS}s"
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
