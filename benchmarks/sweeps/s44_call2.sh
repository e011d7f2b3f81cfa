#!/usr/bin/env bash
# Session 44, call 2 (one H200): the chunk-level adjoint's pass with the scalar gate's decays on the rows of the
# narrow tiles (SCALE_ROWS: ptxas 254 -> 178 registers for Gated DeltaNet) and the WY backward with a^T dW summed in
# the first key loop (ONE_PASS) and du V^T loaded again late; (1) GPU tests of the rank-one specs, checks at gate x1
# and x10 (and hend in bf16 with the gate gradient, HEND_BF16=2: dg?); (2) A/B in one process per shape against the
# old forms (PASS_SCALE_ROWS=0, WYB_ONE_PASS=0) and launch variants; (3) the launches of lindsl's default and of
# fla's (fla's backward per kernel). About 8 minutes: timeout_s 590.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
timeout 130 python3 -m pytest -q -n 8 -p no:cacheprovider -k "delta or mom or kda or rwkv7" \
  "tests/test_triton_interpret.py::test_rank_one_bf16_gradients_at_small_k_over_chunks" \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
checks "default:" "gated_deltanet:1,10 deltanet:1,10"
checks "hend2:" "gated_deltanet:1,10" LINDSL_TUNE_HEND_BF16=2
echo "checks done at ${SECONDS}s"
timeout 150 python3 benchmarks/host_ab.py --specs gated_deltanet --shapes 2,16384,16,128 --rounds 3 --no-fla \
  --variants "PASS_SCALE_ROWS=0;WYB_ONE_PASS=0;WYB_BK=32;WYB_WARPS=8;WYB_WARPS=8,WYB_BK=32,WYB_ONE_PASS=0;PASS_BV=16;PASS_STAGES=3;HEND_BF16=2" 2>&1 | quiet
echo "gdn ab done at ${SECONDS}s"
timeout 80 python3 benchmarks/host_ab.py --specs deltanet --shapes 2,16384,16,128 --rounds 3 --no-fla \
  --variants "WYB_ONE_PASS=0;WYB_BK=32;WYB_WARPS=8" 2>&1 | quiet
echo "dn ab done at ${SECONDS}s"
timeout 70 python3 benchmarks/launch_trace.py --specs gated_deltanet --shape 2,16384,16,128 --min-us 15 \
  --out "$OUT" 2>&1 | quiet
mv "$OUT/launch_trace.json" "$OUT/launch_trace_lindsl.json" 2>/dev/null
timeout 70 python3 benchmarks/launch_trace.py --specs gated_deltanet,deltanet --fla --no-lindsl \
  --shape 2,16384,16,128 --min-us 10 --out "$OUT" 2>&1 | quiet
echo "all done at ${SECONDS}s"
