#!/usr/bin/env bash
# Session 41, call 5 (one H200, the session's last three minutes): the new default (the chunk-level adjoint for a
# scalar key gate, its R = 0 reads' bf16 tiles) with no knob set: checks at 2x1024x4x128, and the GPU tests of the
# gated rank-one specs.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
timeout 75 python3 - <<'PY' 2>&1 | grep -v -i "warn\|softmax\|reduction\|important use\|^$"
import sys
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
for name, gates in (("gated_deltanet", (1.0, 10.0)), ("mom_gated_deltanet", (10.0,))):
    for gate in gates:
        rows, _ = gs.correctness(name, 2, 1024, 4, 128, gate)
        worst = max(rows, key=lambda r: r[1] / r[2])
        bad = [r for r in rows if not r[1] <= r[2]]
        print("default:", name, "gate", gate, "PASS" if not bad else "FAIL", "worst", worst, "bad", bad, flush=True)
PY
echo "checks done at ${SECONDS}s"
timeout 70 python3 -m pytest -q -n 8 -p no:cacheprovider -k "gated" \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "all done at ${SECONDS}s"
