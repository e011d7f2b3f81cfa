#!/usr/bin/env bash
# Session 38 call 5: every chunk_scan_triton call of DeltaNet's forward+backward at 2x1024x4x128 in bf16 with NaN
# counts, zero fractions and norms of what it takes and returns (benchmarks/scan_trace.py), with LINDSL_POISON=1 and
# without (call 4's initcheck spent its print limit on inductor's clones), and at 2x1024x4x64 with poison.
set -u
export TRITON_INTERPRET=0
LINDSL_POISON=1 timeout 120 python3 benchmarks/scan_trace.py --shape 2,1024,4,128 > "$OUT/poison.txt" 2>&1 &
timeout 120 python3 benchmarks/scan_trace.py --shape 2,1024,4,128 > "$OUT/plain.txt" 2>&1 &
LINDSL_POISON=1 timeout 120 python3 benchmarks/scan_trace.py --shape 2,1024,4,64 > "$OUT/poison64.txt" 2>&1 &
LINDSL_POISON=1 timeout 120 python3 benchmarks/scan_trace.py --shape 2,128,4,128 > "$OUT/poison_t128.txt" 2>&1 &
wait
for f in poison plain poison64 poison_t128; do echo "== $f"; grep -v Warn "$OUT/$f.txt" | grep -E "call|result|grad|nan [1-9]|Error" | head -40; done
true
