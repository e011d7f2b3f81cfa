#!/usr/bin/env bash
# Session 38 call 4: call 3 found DeltaNet's dk wrong (0.47-0.49 from fp64, bf16, 2x1024x4x128) through either prologue
# when LINDSL_POISON=1 fills the kernels' buffers with NaN (the core's da cotangent exactly 0) or in a fresh process,
# right in a process whose earlier calls left the right values in the allocator's blocks: a buffer read before it is
# written. compute-sanitizer's initcheck with every allocation its own cudaMalloc names the kernel and line.
set -u
export TRITON_INTERPRET=0
CS=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
PYTORCH_NO_CUDA_MEMORY_CACHING=1 timeout 300 "$CS" --tool initcheck --print-limit 40 \
  python3 benchmarks/rows_grad_check.py --spec deltanet --shape 2,1024,4,128 --variants "ROWS_GRAD=0" \
  > "$OUT/initcheck.txt" 2>&1
grep -E "Uninitialized|of size|at .*\+0x|ERROR SUMMARY|dk " "$OUT/initcheck.txt" | sort | uniq -c | sort -rn | head -40
echo "initcheck done at ${SECONDS}s"
true
