#!/usr/bin/env bash
# Session 39 call 3 (one H200): call 2 again after the copy kernel's fix (its bf16 variant did not compile on the
# GPU, so DeltaNet's eager backward and every check failed there). (1) The GPU tests (rows kernels, every library
# spec's op against the PyTorch backend, the delta rule's bf16 gradients at K = V = 128). (2) The table rows of the
# three fla-covered folded families at fla's five shapes (D <= 128) against fla, checked at gate x1 and x10 at
# 2x1024x4x128, in two waves of six processes. (3) DeltaNet's A/B against the previous commit's tree (.prev) at
# 2x16384x16x128, lindsl only, one process per tree.
set -u
export TRITON_INTERPRET=0
timeout 150 python3 -m pytest -q -n 8 -p no:cacheprovider tests/test_rows_kernels.py \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
OUT="$OUT/table" TABLE_SHAPES="h16:4,2048,16,128;2,16384,16,128 h64:4,4096,64,128 h96:1,8192,96,128 d64:8,1024,8,64" \
  CHECK_SHAPE=2,1024,4,128 TABLE_GPU0="dn:deltanet gdn:gated_deltanet kda:kda" TABLE_GPU1="" WITH_D256=0 \
  HOST_LOCK=0 MAX_PROCS=6 DEADLINE=190 JOB_TIMEOUT=215 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
for tree in new old; do
  [ $SECONDS -gt 520 ] && break
  if [ $tree = old ]; then pp=$PWD/.prev; cache=/tmp/cache_old; else pp=; cache=/tmp/cache_new; fi
  ( PYTHONPATH="$pp${pp:+:}${PYTHONPATH-}" LINDSL_CACHE=$cache timeout $((585 - SECONDS)) \
      python3 benchmarks/host_ab.py --specs deltanet --shapes 2,16384,16,128 --variants "WY_REUSE=1" --rounds 2 \
      --no-fla 2>&1 | grep -v -i "warning:\|warnings.warn" > "$OUT/ab_deltanet_$tree.txt" )
  echo "== deltanet $tree (${SECONDS}s)"; grep -E "^  |medians|Error|error" "$OUT/ab_deltanet_$tree.txt" | tail -4
done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
