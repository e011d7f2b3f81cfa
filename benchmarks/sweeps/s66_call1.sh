#!/usr/bin/env bash
# Session 66, call 1 (one GPU, timeout_s 590): the calls sessions 63-65 left waiting, in one.
# (1) GPU tests of session 63's defaults (grid order bit 32, du made from dv, the bf16 pair terms);
# (2) Gated DeltaNet with the fold's b written (FOLD_B_OMIT=0) against the default that leaves it unwritten in calls
#     without gradients (session 65: the rows prologue's [B, T, H, K] write fewer), 4x4096x64x128;
# (3) RWKV-7 with 64-wide state passes (STATE_BV=64: KDA went 38.714 -> 38.005 ms with them on an H100) and with its
#     pair terms D0 in bf16 (CA_D0_BF16=1: the checks at gate x1 and x10 decide, then the time);
# (4) KDA with 64-wide passes combined with the diagonal by halves (DIAG_LEVELS=1, -0.6 % alone) and with eight
#     warps for the gated sub-chunk reads.
# Each variant in its own process, checked at gate x1 and x10 (a forward without gradients among the checks).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 90 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_grid_order.py \
  tests/test_chunk_adjoint.py -k "grid or du_made_from_dv or as_accurate_as_the_default or intermediates" \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 115 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet --bench-shape 4,4096,64,128 \
  --variants "FOLD_B_OMIT=0" --budget 100 --out "$OUT/fold_b" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "fold_b done at ${SECONDS}s"
timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 --bench-shape 4,4096,64,128 \
  --variants "STATE_BV=64;CA_D0_BF16=1" --budget 155 --out "$OUT/rwkv7" 2>&1 | quiet | grep -v "^variant sweep" | tail -3
echo "rwkv7 done at ${SECONDS}s"
timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 4,4096,64,128 \
  --variants "STATE_BV=64,DIAG_LEVELS=1;STATE_BV=64,SUB_GATED_WARPS=8" --budget $((570 - SECONDS)) --out "$OUT/kda" 2>&1 \
  | quiet | grep -v "^variant sweep" | tail -3
echo "all done at ${SECONDS}s"
