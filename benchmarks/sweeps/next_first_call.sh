#!/usr/bin/env bash
# The next session's first call (one H200; copy pytest-xdist's and execnet's wheels into .whl/ first:
# /opt/pypi/files/ has them on the development machine). (1) Compile on the GPU what came after session 38's last
# call: _read_kernel's static assert (NEGF only with FOLD 2) and the new tests (the delta rule's bf16 gradients at
# K = V = 128; the warp-group rule's launch), with the rows and library-op tests. (2) What the rows kernels' backward,
# on by default below 2^25 elements since session 38, costs or saves a search candidate's MQAR training: the search's
# eager prologue and glue, one seed of two rules for 300 steps, with LINDSL_TUNE_ROWS_GRAD=0 and without (each in its
# own process: the first includes the rows kernels' JIT; the wall_s of each run is in mqar_gpu.json).
set -u
export TRITON_INTERPRET=0
timeout 200 python3 -m pytest -q -n 8 -p no:cacheprovider tests/test_rows_kernels.py \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
export LINDSL_TUNE_PROLOGUE=eager LINDSL_TUNE_BWD_GLUE=eager
for rg in 0 default; do
  mkdir -p "$OUT/mqar_$rg"
  ( [ "$rg" = 0 ] && export LINDSL_TUNE_ROWS_GRAD=0
    timeout 150 python3 benchmarks/mqar_gpu.py --rules gated_deltanet,gla --seeds 1 --steps 300 --budget 120 \
      --no-probe --quiet --out "$OUT/mqar_$rg" > "$OUT/mqar_$rg/log.txt" 2>&1 )
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); [print(sys.argv[2], r['rule'], round(r['wall_s'], 1), r.get('steps_done')) for r in d['rows']]" "$OUT/mqar_$rg/mqar_gpu.json" "$rg" || tail -5 "$OUT/mqar_$rg/log.txt"
done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
