#!/usr/bin/env bash
# Session 66's first call, never run (no machine started in the session): the calls sessions 63-66 left waiting.
# Argument: the call's timeout_s (default 590); the parts that no longer fit are left out, in this order:
# (1) GPU tests of session 63's defaults (grid order bit 32, du made from dv, the bf16 pair terms) and of the fold's
#     b made by the scan (the NaN stand-in under real Triton);
# (2) Gated DeltaNet with the fold's b written by the prologue (FOLD_B_OMIT=0) against the default that leaves it to
#     the scan (chunk_scan_triton's fold_b_unmade), 4x4096x64x128;
# (3) RWKV-7 with 64-wide state passes (STATE_BV=64: KDA went 38.714 -> 38.005 ms with them on an H100) and with
#     its pair terms D0 in bf16 (CA_D0_BF16=1: the checks at gate x1 and x10 decide, then the time);
# (4) KDA with 64-wide passes combined with the diagonal by halves (DIAG_LEVELS=1, -0.6 % alone) and with eight
#     warps for the gated sub-chunk reads.
# Each variant in its own process, checked at gate x1 and x10 (a forward without gradients among the checks).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
fits() { [ $((SECONDS + $1)) -le $((LIMIT - 5)) ]; }
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 70 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_grid_order.py \
  tests/test_chunk_adjoint.py tests/test_scan_fusions.py \
  -k "grid or du_made_from_dv or as_accurate_as_the_default or intermediates or fold_b" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
fits 105 && timeout 105 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet \
  --bench-shape 4,4096,64,128 --variants "FOLD_B_OMIT=0" --budget 92 --out "$OUT/fold_b" 2>&1 | quiet \
  | grep -v "^variant sweep" | tail -2
echo "fold_b done at ${SECONDS}s"
RWKV7=("STATE_BV=64" 110)
fits 380 && RWKV7=("STATE_BV=64;CA_D0_BF16=1" 170)  # both variants where KDA's part still fits after them
fits "${RWKV7[1]}" && timeout "${RWKV7[1]}" python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 \
  --bench-shape 4,4096,64,128 --variants "${RWKV7[0]}" --budget $((RWKV7[1] - 12)) --out "$OUT/rwkv7" 2>&1 | quiet \
  | grep -v "^variant sweep" | tail -3
echo "rwkv7 done at ${SECONDS}s"
fits 150 && timeout $((LIMIT - 5 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --bench-shape 4,4096,64,128 --variants "STATE_BV=64,DIAG_LEVELS=1;STATE_BV=64,SUB_GATED_WARPS=8" \
  --budget $((LIMIT - 20 - SECONDS)) --out "$OUT/kda" 2>&1 | quiet | grep -v "^variant sweep" | tail -3
echo "all done at ${SECONDS}s"
