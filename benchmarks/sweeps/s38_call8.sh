#!/usr/bin/env bash
# Session 38 call 8 (one H200): the code with the fold's sign in the read's scale (s = 1). (1) DeltaNet's gradients
# against fp64 at 2x1024x4x128 in bf16 and its forward+backward at 2x16384x16x128 against FOLD_IN_READS=0
# (merged_read_check.py); (2) the GPU tests of call 1 again; (3) table rows of every family at 8x1024x8x64, each
# family checked at gate x1 and x10 at 2x1024x4x128 first (the group is tagged h16 so that the checks ride with it).
set -u
export TRITON_INTERPRET=0
timeout 120 python3 benchmarks/merged_read_check.py --spec deltanet --repeat 2 --variants ";FOLD_IN_READS=0" \
  > "$OUT/deltanet_read.txt" 2>&1
grep -v Warn "$OUT/deltanet_read.txt" | tail -6
timeout 150 python3 -m pytest -q -n 8 -p no:cacheprovider tests/test_rows_kernels.py \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
OUT="$OUT/table" TABLE_SHAPES="h16:8,1024,8,64" CHECK_SHAPE=2,1024,4,128 \
  TABLE_GPU0="dn:deltanet,gated_deltanet sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 kda:kda rwkv7:rwkv7" \
  TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=200 JOB_TIMEOUT=230 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
