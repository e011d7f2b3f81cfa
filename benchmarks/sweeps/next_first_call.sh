#!/usr/bin/env bash
# The next session's first call (one GPU, about 8 minutes, timeout_s 590), written in session 60 (its calls: RESULTS
# "Session 60"; the grid-order bits 8, 16, 32 built after them, off by default, unchecked on a GPU).
# (1) GPU tests of the grid order (all bits, tests/test_grid_order.py), the folded values and the launch-shape tests
#     that follow the new defaults.
# (2) LINDSL_TUNE_GRID_VADJ with the new bits against the default (7), each variant in its own process, checked at
#     gate x1 and x10: 63 (the read-outs from pair scores, bit 16, which GLA, HGRN2, RWKV-6, KDA and RWKV-7 launch in
#     value blocks of 32-64; bit 8's one-kernel read is not a default path) for GLA at 4x4096x64x128 (RWKV-6, KDA and
#     RWKV-7: next_first_call_b.sh); 39 (the WY backward's dW in key blocks, bit 32) for Gated DeltaNet and DeltaNet
#     at 4x4096x64x128. Make a bit default where it wins with the checks green (_grid_vadj's default).
# (3) Two chunk-level adjoint variants built in session 60 (off), Gated DeltaNet and DeltaNet at 4x4096x64x128:
#     CA_D0_BF16=1 (the pair terms D0 in bf16; Gated DeltaNet's: without a gate the pass makes them), predicted -0.1
#     to -0.2 ms (537 MB less written and read), its checks at gate x10 decide (dg); CA_DU_FROM_DV=1 (the pass stores
#     no du, the WY backward's kernels make du = -s dv from dv's direct part), predicted -0.05 to -0.1 ms and -268 MB
#     of peak.
# Then the table rows of the families a new default changes (next_second_call.sh, SHAPE=...).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 90 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_grid_order.py \
  tests/test_folded_values.py tests/test_triton_interpret.py tests/test_chunk_adjoint.py -k "grid or folded \
  or delta_rule_at_k128 or fold_made or as_accurate_as_the_default or du_made_from_dv \
  or pseudo_values" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 300 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet,deltanet --bench-shape 4,4096,64,128 \
  --variants "GRID_VADJ=39;CA_D0_BF16=1;CA_DU_FROM_DV=1" --budget 285 --out "$OUT/delta_variants" 2>&1 | quiet \
  | grep -v "^variant sweep" | tail -8
echo "delta done at ${SECONDS}s"
timeout 110 python3 benchmarks/variant_sweep.py --isolate --specs gla --bench-shape 4,4096,64,128 \
  --variants "GRID_VADJ=63" --budget 100 --out "$OUT/vadj63_gla" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "all done at ${SECONDS}s"
