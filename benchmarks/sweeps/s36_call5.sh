#!/usr/bin/env bash
# Session 36 call 5 (one H200, the session's last ~400 s of device time): the rows kernels with gradients (generated
# backward kernels from lindsl.passes.vjp, ROWS_GRAD, default on) against the compiled PyTorch prologue and epilogue
# (LINDSL_TUNE_ROWS_GRAD=0). (1) Their gradient tests compiled for the GPU (bf16 and fp32 against the PyTorch
# prologue's autograd). (2) Forward+backward interleaved in one process per spec and shape, without fla.
set -u
export TRITON_INTERPRET=0
timeout 90 python3 -m pytest -q -p no:cacheprovider tests/test_rows_kernels.py -k "gradient" 2>&1 \
  | grep -v -i "warning:\|warnings.warn" | tail -6 | tee "$OUT/pytest.txt"
echo "tests done at ${SECONDS}s"
for job in mamba2:2,16384,16,128 gated_deltanet:2,16384,16,128 mamba2:4,2048,16,128 kda:2,16384,16,128; do
  spec=${job%%:*}; shape=${job#*:}
  left=$((262 - SECONDS)); [ "$left" -lt 40 ] && { echo "skipped $job" | tee -a "$OUT/host_ab.txt"; continue; }
  timeout "$left" python3 benchmarks/host_ab.py --specs "$spec" --shapes "$shape" --variants "ROWS_GRAD=0" \
    --rounds 3 --no-fla 2>&1 | grep -v -i "warning:\|warnings.warn" | tee -a "$OUT/host_ab.txt"
done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
