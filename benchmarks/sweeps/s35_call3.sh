#!/usr/bin/env bash
# Session 35, call 3 (nvidia-h200, one GPU, about 9 minutes). (1) The fused step's and the rows kernels' tests
# compiled for the GPU (TRITON_INTERPRET=0; bf16 rows against the PyTorch prologue) and the graphed-step tests.
# (2) The forward without gradients with the prologue and epilogue as generated per-row kernels (default, new in
# session 35) against the PyTorch prologue (ROWS=0: compiled at these shapes), interleaved in one process per spec and
# shape (host_ab.py, 3 rounds, fla in the same rounds); forward+backward does not take the rows kernels (same numbers
# expected for both variants).
set -u
export TRITON_INTERPRET=0
timeout 150 python3 -m pytest -q -p no:cacheprovider tests/test_fused_step.py tests/test_rows_kernels.py 2>&1 \
  | grep -v -i warn | tail -12 | tee "$OUT/pytest.txt"
timeout 60 python3 -m pytest -q -p no:cacheprovider tests/test_decode.py -k graphed 2>&1 | tail -2 \
  | tee -a "$OUT/pytest.txt"
echo "tests done at ${SECONDS}s"
for combo in mamba2:4,2048,16,128 retnet:4,2048,16,128 gla:4,2048,16,128 rwkv6:4,2048,16,128 \
             deltanet:4,2048,16,128 gated_deltanet:4,2048,16,128 kda:4,2048,16,128 hgrn2:4,2048,16,128 \
             rwkv7:4,2048,16,128 mamba2:2,16384,16,128 rwkv6:2,16384,16,128 gla:2,16384,16,128; do
  left=$((560 - SECONDS)); [ "$left" -lt 45 ] && { echo "skipped $combo" | tee -a "$OUT/host_ab.txt"; continue; }
  timeout "$left" python3 benchmarks/host_ab.py --specs "${combo%%:*}" --shapes "${combo#*:}" --variants "ROWS=0" \
    --rounds 3 2>&1 | grep -v -i warn | tee -a "$OUT/host_ab.txt"
  echo "$combo done at ${SECONDS}s"
done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
