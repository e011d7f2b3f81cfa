#!/usr/bin/env bash
# Session 37 call 2 (one H200). (1) The launch that faults in the rows kernels' gradient test (call 1: an illegal
# address surfacing at the adjoint's _read_kernel): benchmarks/oob_check.py at the test's sizes (1x18x2, K = 5,
# V = 12, chunks of 16, fp32), one case per process, with CUDA_LAUNCH_BLOCKING=1, the rows' backward on and off;
# then compute-sanitizer on the first faulting case. (2) The rows kernels' backward against the compiled prologue at
# the host-bound shape 4x2048x16x128 (host_ab.py, interleaved, forward+backward, 3 rounds) for nine families.
set -u
export TRITON_INTERPRET=0
first=""
for case in "deltanet 1" "deltanet 0" "gated_deltanet 0" "mamba2 0" "mamba2 1" "gla 0" "deltanet 0 --T 32" "deltanet 0 --T 18 --chunk 64"; do
  read -r spec rg rest <<< "$case"
  CUDA_LAUNCH_BLOCKING=1 timeout 60 python3 benchmarks/oob_check.py "$spec" --rows-grad "$rg" $rest > "$OUT/oob_${spec}_${rg}_${rest// /_}.txt" 2>&1
  tail -1 "$OUT/oob_${spec}_${rg}_${rest// /_}.txt"
  grep -q FAULT "$OUT/oob_${spec}_${rg}_${rest// /_}.txt" && [ -z "$first" ] && first="$spec --rows-grad $rg $rest"
  grep -B2 -A0 "_kernel\[" "$OUT/oob_${spec}_${rg}_${rest// /_}.txt" | grep -v "^--" | tail -4
done
echo "oob done at ${SECONDS}s, first fault: $first"
CS=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
if [ -n "$first" ] && [ -n "$CS" ]; then
  timeout 150 "$CS" --tool memcheck --print-limit 6 python3 benchmarks/oob_check.py $first > "$OUT/sanitizer.txt" 2>&1
  grep -E "Invalid|of size|at .*kernel|Address|ERROR SUMMARY|is out of bounds|Saved host" "$OUT/sanitizer.txt" | head -30
fi
echo "sanitizer done at ${SECONDS}s"
for spec in mamba2 retnet gla deltanet gated_deltanet rwkv6 hgrn2 kda rwkv7; do
  left=$((530 - SECONDS)); [ "$left" -lt 45 ] && { echo "skipped $spec" | tee -a "$OUT/host_ab.txt"; continue; }
  timeout "$left" python3 benchmarks/host_ab.py --specs "$spec" --shapes 4,2048,16,128 --variants "ROWS_GRAD=1" \
    --rounds 3 --no-fla 2>&1 | grep -v -i "warning:\|warnings.warn" | tee -a "$OUT/host_ab.txt"
done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
