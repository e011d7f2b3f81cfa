#!/usr/bin/env bash
# Session 34, call 3 (nvidia-h200, one GPU, about 7 minutes). (1) LOW_ADDED=1 for RWKV-6 at 2x16384x16x128, each
# variant in its own process, checks and kernel sums; sse_gla's checks with it. (2) The eager decode step's new
# prologue rule against DECODE_PROLOGUE=compiled at batch 64, with the graphed steps. (3) RetNet at 1x8192x96x128:
# the compiled glue (the rule's 3 * 2^25) against eager, interleaved in one process.
set -u
timeout 200 python3 benchmarks/variant_sweep.py --specs rwkv6 --variants "LOW_ADDED=1" --bench-shape 2,16384,16,128 \
  --isolate --budget 140 --out "$OUT/low_added" 2>&1 | grep -v -i warn | tee "$OUT/low_added.txt"
echo "rwkv6 done at ${SECONDS}s"
LINDSL_TUNE_LOW_ADDED=1 timeout 70 python3 benchmarks/gpu_suite.py --out "$OUT/sse" --specs sse_gla \
  --bench-shapes "" 2>&1 | grep -E "^check|PASS|FAIL|ERROR" | tee "$OUT/sse_checks.txt"
echo "checks done at ${SECONDS}s"
left=$((390 - SECONDS))
[ "$left" -gt 50 ] && timeout "$left" python3 benchmarks/decode_ab.py --specs retnet,gla,rwkv7,deltanet,kda --batches 64 \
  --variants "DECODE_PROLOGUE=compiled;DECODE_PROLOGUE=eager" --rounds 3 2>&1 | grep -v -i warn | tee "$OUT/decode_ab.txt"
echo "decode done at ${SECONDS}s"
left=$((480 - SECONDS))
[ "$left" -gt 60 ] && timeout "$left" python3 benchmarks/host_ab.py --specs retnet --shapes 1,8192,96,128 \
  --variants "BWD_GLUE=eager" --rounds 3 --no-fla 2>&1 | grep -v -i warn | tee "$OUT/host_ab.txt"
echo "all done at ${SECONDS}s"
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
