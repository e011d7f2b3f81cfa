#!/usr/bin/env bash
# Session 67's first call: session 66's waiting parts with this session's rescan boundary in front.
# Argument: the call's timeout_s (default 590); the parts that no longer fit are left out, in this order:
# (1) GPU tests: session 63's defaults (grid order bit 32, du made from dv, the bf16 pair terms), the fold's b made
#     by the scan (the NaN stand-in under real Triton) and the boundary sums made by the rescan's state pass;
# (2) Mamba-2, GLA and KDA with the gate gradient's boundary sums made in a backward scan's state pass
#     (SCAN_BOUNDARY=1: the separate _boundary_kernel reads both state sets, 2.1 GB for Mamba-2 at 4x4096x64x128;
#     0.70 ms of KDA's backward in session 64's trace) against the default;
# (3) RWKV-7 with its boundary row sums made by the chunk-level adjoint's pass (PASS_BOUNDARY_ROWS=1) and with
#     64-wide state passes (STATE_BV=64);
# (4) GLA with the boundary sums in the rescan's pass; (5) Gated DeltaNet with the fold's b written by the prologue
#     (FOLD_B_OMIT=0) against the default. Session 66's KDA knobs wait for the next call (s67_call2.sh).
# Each variant in its own process, checked at gate x1 and x10 (a forward without gradients among the checks).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
fits() { [ $((SECONDS + $1)) -le $((LIMIT - 5)) ]; }
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 80 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_grid_order.py \
  tests/test_chunk_adjoint.py tests/test_scan_fusions.py tests/test_scan_boundary.py \
  -k "grid or du_made_from_dv or as_accurate_as_the_default or intermediates or fold_b or boundary" \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
for spec_t in mamba2:90 kda:130; do
  spec=${spec_t%%:*} t=${spec_t##*:}
  fits "$t" && timeout "$t" python3 benchmarks/variant_sweep.py --isolate --specs "$spec" \
    --bench-shape 4,4096,64,128 --variants "SCAN_BOUNDARY=1" --budget $((t - 12)) --out "$OUT/scan_bnd_$spec" 2>&1 \
    | quiet | grep -v "^variant sweep" | tail -2
done
echo "scan boundary done at ${SECONDS}s"
fits 170 && timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 \
  --bench-shape 4,4096,64,128 --variants "PASS_BOUNDARY_ROWS=1;STATE_BV=64" --budget 158 --out "$OUT/rwkv7" 2>&1 \
  | quiet | grep -v "^variant sweep" | tail -3
echo "rwkv7 done at ${SECONDS}s"
fits 100 && timeout 100 python3 benchmarks/variant_sweep.py --isolate --specs gla \
  --bench-shape 4,4096,64,128 --variants "SCAN_BOUNDARY=1" --budget 88 --out "$OUT/scan_bnd_gla" 2>&1 \
  | quiet | grep -v "^variant sweep" | tail -2
fits 105 && timeout 105 python3 benchmarks/variant_sweep.py --isolate --specs gated_deltanet \
  --bench-shape 4,4096,64,128 --variants "FOLD_B_OMIT=0" --budget 92 --out "$OUT/fold_b" 2>&1 | quiet \
  | grep -v "^variant sweep" | tail -2
echo "all done at ${SECONDS}s"
