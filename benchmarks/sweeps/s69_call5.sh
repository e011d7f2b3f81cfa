#!/usr/bin/env bash
# Session 69, fifth call: (1) the illegal address that test_chunk_adjoint_bf16_intermediates_give_the_same_gradients
# meets on the GPU (not under the interpreter, whose new bounds check, LINDSL_SANITIZE_BOUNDS=1, finds nothing):
# bisected by the fast launch and the compiled prologue, then compute-sanitizer's memcheck names the kernel;
# (2) the rows prologue on four warps in chunk-row blocks (now the default; KDA and RWKV-7 gained, call 2-4) against
# the old eight for the scalar-gate families it also changes (Mamba-2, HGRN2).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
T=tests/test_chunk_adjoint.py
K="bf16_intermediates_give_the_same_gradients"
for env in "" "LINDSL_TUNE_FAST_LAUNCH=0" "LINDSL_TUNE_PROLOGUE=eager"; do
  echo "== $env: $(env $env timeout 60 python3 -m pytest -q $T -k "$K" 2>&1 | tail -1)"
done
if command -v compute-sanitizer > /dev/null; then
  timeout 200 compute-sanitizer --tool memcheck --print-limit 4 python3 -m pytest -x -q $T -k "$K and gated_deltanet" \
    > "$OUT/sanitizer.txt" 2>&1
  grep -E "Invalid|_kernel|Address .* is|by thread|ERROR SUMMARY|passed|failed" "$OUT/sanitizer.txt" | head -30
fi
echo "sanitizer done at ${SECONDS}s"
variants 120 mamba2 "ROWS_WARPS=8" mamba2_rows
variants 110 hgrn2 "ROWS_WARPS=8" hgrn2_rows
echo "all done at ${SECONDS}s"
