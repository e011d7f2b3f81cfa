#!/usr/bin/env bash
# The next session's first call (one H200; copy pytest-xdist's and execnet's wheels from /opt/pypi/files/ into .whl/
# and run ../shared/device/prepare.sh for lark and fla-core first). Session 42 made the chunk-level adjoint DeltaNet's
# default backward (the pass making the pair terms) and ran out of device time before (1) DeltaNet's GPU tests with
# no knob set (its checks at gate x1 and x10 ran green in the table call); (2) the host-bound table rows of DeltaNet
# and Gated DeltaNet (4x2048x16x128, 8x1024x8x64) with fewer processes per host than session 42's eight, which
# slowed both sides. At most about 9 minutes (two waves of two processes, each cut at 200 s): timeout_s 580.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
timeout 120 python3 -m pytest -q -n 8 -p no:cacheprovider -k "deltanet and not gated and not mom" \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
TABLE_GPU0="gdn:gated_deltanet dn:deltanet" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 \
  TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=170 JOB_TIMEOUT=200 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
