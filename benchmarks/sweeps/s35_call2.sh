#!/usr/bin/env bash
# Session 35, call 2 (nvidia-h200, one GPU, about 8 minutes): the fused decode step (one generated Triton kernel per
# spec for prologue, update and epilogue; new in session 35). (1) Its tests compiled for the GPU (TRITON_INTERPRET=0:
# the interpreter accepts code the compiler may not) and the graphed-step tests. (2) Decode at batch 64 and 256 for
# the nine fla-covered families, interleaved in one process: the fused step (default) against the engine's step
# (STEP=engine, session 34's), each eager and graphed, against fla's eager and graphed step; the variant's output
# compared with the default's. (3) gpu_suite's decode rows: each step checked against the fp64 engine.
set -u
export TRITON_INTERPRET=0
timeout 200 python3 -m pytest -q -x -p no:cacheprovider tests/test_fused_step.py tests/test_decode.py 2>&1 \
  | grep -v -i warn | tail -15 | tee "$OUT/pytest.txt"
echo "tests done at ${SECONDS}s"
left=$((470 - SECONDS))
[ "$left" -gt 60 ] && timeout "$left" python3 benchmarks/decode_ab.py \
  --specs retnet,mamba2,gla,hgrn2,rwkv6,deltanet,gated_deltanet,kda,rwkv7 --batches 64,256 --variants "STEP=engine" \
  --rounds 3 2>&1 | grep -v -i warn | tee "$OUT/decode_ab.txt"
echo "decode_ab done at ${SECONDS}s"
left=$((570 - SECONDS))
[ "$left" -gt 40 ] && timeout "$left" python3 benchmarks/gpu_suite.py --out "$OUT" --skip-check --bench-shapes "" \
  --decode retnet,mamba2,gla,hgrn2,rwkv6,deltanet,gated_deltanet,kda,rwkv7 2>&1 | grep -v -i warn \
  | tee "$OUT/decode.txt"
echo "all done at ${SECONDS}s"
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
