#!/usr/bin/env bash
# Session 38 call 2 (one H200): why DeltaNet's dk through the rows kernels' backward is 0.47 from fp64 on the GPU at
# 2x1024x4x128 in bf16 (call 1's check; 4e-3 through the PyTorch prologue, right under the interpreter):
# benchmarks/rows_grad_check.py over launch variants of the rows kernels and the core, and the backward kernel alone
# on the core's cotangents; fp32 and K = 64 too; Gated DeltaNet (its check passed) for contrast.
set -u
export TRITON_INTERPRET=0
run() { local tag=$1; shift; timeout 200 python3 benchmarks/rows_grad_check.py "$@" > "$OUT/$tag.txt" 2>&1; }
run dn_bf16_128 --spec deltanet --shape 2,1024,4,128 --dtype bfloat16 &
run dn_fp32_128 --spec deltanet --shape 2,1024,4,128 --dtype float32 \
  --variants "ROWS_GRAD=0;ROWS_GRAD=1;ROWS_GRAD=1 ROWS_PER_PROGRAM=1;ROWS_GRAD=1 FOLD=0" &
run dn_bf16_64 --spec deltanet --shape 2,1024,4,64 --dtype bfloat16 --variants "ROWS_GRAD=0;ROWS_GRAD=1" &
run dn_bf16_128_t64 --spec deltanet --shape 1,64,2,128 --dtype bfloat16 --variants "ROWS_GRAD=0;ROWS_GRAD=1" &
run gdn_bf16_128 --spec gated_deltanet --shape 2,1024,4,128 --dtype bfloat16 --variants "ROWS_GRAD=0;ROWS_GRAD=1" &
wait
for f in "$OUT"/*.txt; do echo "== $(basename "$f")"; grep -v Warning "$f" | tail -25; done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
