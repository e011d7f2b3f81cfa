#!/usr/bin/env bash
# Session 39 call 2 (one H200): dv from the adjoint's pseudo-values. With the delta rule's fold (b = -s k', no value
# gate) the adjoint's rank-one factors become the source -s a and the reader k', so its state pass's pseudo-values
# are dv itself and the adjoint's key-side read of dv is gone (DeltaNet, Gated DeltaNet, KDA, MoM).
# (1) The GPU tests (rows kernels, every library spec's op against the PyTorch backend, the delta rule's bf16
# gradients at K = V = 128 against fp64). (2) Table rows of the three fla-covered folded families at 4x2048x16x128 and
# 2x16384x16x128 against fla, each checked at gate x1 and x10 at 2x1024x4x128. (3) The previous commit's tree
# (.prev: `git archive HEAD` before this change, carried) against this one at 2x16384x16x128, lindsl only, one process
# per (tree, spec), new and old alternating (host_ab.py, a no-op variant so each process times two series).
set -u
export TRITON_INTERPRET=0
timeout 200 python3 -m pytest -q -n 8 -p no:cacheprovider tests/test_rows_kernels.py \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
OUT="$OUT/table" TABLE_SHAPES="h16:4,2048,16,128;2,16384,16,128" CHECK_SHAPE=2,1024,4,128 \
  TABLE_GPU0="dn:deltanet gdn:gated_deltanet kda:kda" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=230 \
  JOB_TIMEOUT=280 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
for spec in deltanet gated_deltanet kda; do
  for tree in new old; do
    [ $SECONDS -gt 540 ] && break 2
    if [ $tree = old ]; then pp=$PWD/.prev; cache=/tmp/cache_old; else pp=; cache=/tmp/cache_new; fi
    ( PYTHONPATH="$pp${pp:+:}${PYTHONPATH-}" LINDSL_CACHE=$cache timeout $((580 - SECONDS)) \
        python3 benchmarks/host_ab.py --specs $spec --shapes 2,16384,16,128 --variants "WY_REUSE=1" --rounds 2 --no-fla \
        2>&1 | grep -v -i "warning:\|warnings.warn" > "$OUT/ab_${spec}_$tree.txt" )
    echo "== $spec $tree (${SECONDS}s)"; grep -E "^  |medians|Error|error" "$OUT/ab_${spec}_$tree.txt" | tail -4
  done
done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
