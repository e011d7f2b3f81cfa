#!/usr/bin/env bash
# Session 35, call 4 (nvidia-h200, one GPU, about 7 minutes): what call 3 left. (1) The fused step's and the rows
# kernels' tests compiled for the GPU (call 3's run hit its 150 s limit while compiling; one test had CPU inputs).
# (2) The forward without gradients, rows kernels (default) against the PyTorch prologue (ROWS=0), interleaved in one
# process per spec and shape, without fla this time (its autotune took most of call 3).
set -u
export TRITON_INTERPRET=0
timeout 230 python3 -m pytest -q -p no:cacheprovider tests/test_fused_step.py tests/test_rows_kernels.py 2>&1 \
  | grep -v -i warn | tail -8 | tee "$OUT/pytest.txt"
echo "tests done at ${SECONDS}s"
for combo in mamba2:2,16384,16,128 deltanet:4,2048,16,128 rwkv6:4,2048,16,128 gla:4,2048,16,128 \
             kda:4,2048,16,128; do
  left=$((410 - SECONDS)); [ "$left" -lt 40 ] && { echo "skipped $combo" | tee -a "$OUT/host_ab.txt"; continue; }
  timeout "$left" python3 benchmarks/host_ab.py --specs "${combo%%:*}" --shapes "${combo#*:}" --variants "ROWS=0" \
    --rounds 3 --no-fla 2>&1 | grep -v -i warn | tee -a "$OUT/host_ab.txt"
  echo "$combo done at ${SECONDS}s"
done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
