#!/usr/bin/env bash
# Session 43, call 1 (one H200): (1) DeltaNet's GPU tests with no knob set (session 42 made the chunk-level adjoint
# its default and ran out of device time before them); (2) the forward's WY kernel in key and value blocks
# (LINDSL_TUNE_WY_KBLOCK, _prep_kblock_kernel: pair products accumulated over key blocks, W per key block, U0 = (T N) v
# per value block; ptxas for sm_90: DeltaNet 222 -> 206 registers with 64-wide blocks, 183 with WY_FOLD too, 156 with
# 32-wide ones; Gated DeltaNet 251 -> 246, 254, 180) and session 42's WY_FOLD (unmeasured): checks, then A/B of the
# forward and forward+backward at the two shapes with the fewest sequences, then the launches of one variant.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
timeout 120 python3 -m pytest -q -n 8 -p no:cacheprovider -k "deltanet and not gated and not mom" \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
checks "KB64 FOLD:" "gated_deltanet:1,10 deltanet:1 mom_gated_deltanet:10" LINDSL_TUNE_WY_KBLOCK=64 LINDSL_TUNE_WY_FOLD=1
checks "KB32:" "gated_deltanet:10 deltanet:1" LINDSL_TUNE_WY_KBLOCK=32
echo "checks done at ${SECONDS}s"
V="WY_FOLD=1;WY_KBLOCK=64;WY_KBLOCK=64,WY_FOLD=1;WY_KBLOCK=32;WY_KBLOCK=32,WY_FOLD=1;WY_KBLOCK=64,WY_FOLD=1,PREP_WARPS=8"
for s in 2,16384,16,128 1,8192,96,128; do
  for spec in gated_deltanet deltanet; do
    timeout 80 python3 benchmarks/host_ab.py --specs $spec --shapes $s --variants "$V" --rounds 3 --no-fla 2>&1 | quiet
  done
done
echo "host_ab done at ${SECONDS}s"
LINDSL_TUNE_WY_KBLOCK=64 LINDSL_TUNE_WY_FOLD=1 timeout 50 python3 benchmarks/launch_trace.py --specs gated_deltanet \
  --shape 2,16384,16,128 --min-us 30 --out "$OUT" 2>&1 | quiet
echo "all done at ${SECONDS}s"
