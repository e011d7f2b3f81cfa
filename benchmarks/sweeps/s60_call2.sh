#!/usr/bin/env bash
# Session 60, call 2 (one GPU, about 8 minutes, timeout_s 590): the launch order of value blocks.
# (1) GPU tests of the grid order (tests/test_grid_order.py, new) and the folded values (now on by default).
# (2) LINDSL_TUNE_GRID_VADJ (bits: 1 the state pass, 2 the chunk-level adjoint's pass, 4 the read kernel): a
#     sequence's value blocks next to each other in the launch order, as fla's grids, so that they share the key-side
#     tiles through L2 (the adjoint pass at 4x4096x64x128 loads b, x and W once per 32-wide value block: four times,
#     the blocks of one sequence 256 programs apart). Predicted: Gated DeltaNet's adjoint pass 2.48 ms toward fla's
#     0.95. Each variant in its own process, checked at gate x1 and x10 first.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 120 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_grid_order.py \
  tests/test_folded_values.py > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 230 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet,deltanet --bench-shape 4,4096,64,128 \
  --variants "GRID_VADJ=7;GRID_VADJ=3" --budget 200 --out "$OUT/vadj_gdn_dn" 2>&1 | quiet | grep -v "^variant sweep" \
  | tail -6
echo "gdn/dn done at ${SECONDS}s"
timeout 220 python3 benchmarks/variant_sweep.py --isolate --specs gla,mamba2,kda --bench-shape 4,4096,64,128 \
  --variants "GRID_VADJ=7" --budget 190 --out "$OUT/vadj_other" 2>&1 | quiet | grep -v "^variant sweep" | tail -6
echo "all done at ${SECONDS}s"
