#!/usr/bin/env bash
# Session 43, call 2 (one H200): (1) GPU tests of the rank-one specs without a per-dimension key gate under call 1's
# new WY default (key and value blocks of 32, M from a k^T under the fold) and of the new "hilo" products; (2) Gated
# DeltaNet's backward rescan (its exact state pass, tf32: 1.11 ms at 2x16384x16x128, 255 registers and 256 B of
# spill) with LINDSL_TUNE_EXACT_STATE_PREC=hilo (two bf16 products of the bf16 tile with the fp32 operand's high and
# low parts; ptxas 250 registers, no spill): checks against the default's (every error printed: dg is what tf32
# holds), A/B at three shapes; DeltaNet's WY kernel in blocks of 64 or two stages against the new default;
# (3) the launches of Gated DeltaNet with hilo.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
timeout 150 python3 -m pytest -q -n 8 -p no:cacheprovider -k "delta or mom or hilo or exact_state_pass" \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" \
  "tests/test_triton_interpret.py::test_hilo_products_keep_the_fp32_operand_to_about_16_bits" \
  "tests/test_triton_interpret.py::test_gated_delta_rule_exact_state_pass_precisions" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
checks "default:" "gated_deltanet:1,10 deltanet:10"
checks "hilo:" "gated_deltanet:1,10 mom_gated_deltanet:10" LINDSL_TUNE_EXACT_STATE_PREC=hilo
echo "checks done at ${SECONDS}s"
for s in 2,16384,16,128 1,8192,96,128 4,4096,64,128; do
  timeout 60 python3 benchmarks/host_ab.py --specs gated_deltanet --shapes $s \
    --variants "EXACT_STATE_PREC=hilo;EXACT_STATE_PREC=hilo,STATE_BV=16" --rounds 3 --no-fla 2>&1 | quiet
done
for s in 2,16384,16,128 1,8192,96,128; do
  timeout 50 python3 benchmarks/host_ab.py --specs deltanet --shapes $s --variants "WY_KBLOCK=64;WY_STAGES=2" \
    --rounds 3 --no-fla 2>&1 | quiet
done
echo "host_ab done at ${SECONDS}s"
LINDSL_TUNE_EXACT_STATE_PREC=hilo timeout 45 python3 benchmarks/launch_trace.py --specs gated_deltanet \
  --shape 2,16384,16,128 --min-us 30 --out "$OUT" 2>&1 | quiet
echo "all done at ${SECONDS}s"
