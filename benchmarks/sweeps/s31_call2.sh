#!/usr/bin/env bash
# Session 31, call 2 (nvidia-h200, about 4 minutes): why Mamba-2's forward+backward measured 8.0 ms at
# 2x16384x16x128 in call 1 (4.96 in session 28's A/B, same peak): its host time per call without synchronising, the
# synchronising calls it makes, and its kernels by launch with the key gate's boundary rows made by the boundary pass
# (default) and by the rescan's state pass (BOUNDARY_IN_PASS=1, call 1: 7.29 ms wall, GLA and RWKV-6 +0.23 ms).
set -u
export TORCHINDUCTOR_COMPILE_THREADS=4
timeout 150 python3 benchmarks/host_overhead.py --specs mamba2 --shapes 2,16384,16,128 --variants "" \
  --out "$OUT/host" > "$OUT/host.log" 2>&1
grep -A3 "^host overhead" "$OUT/host.log"; grep -c "Warning\|synchroniz" "$OUT/host.log"
echo "host done at ${SECONDS}s"
for b in 0 1; do
  LINDSL_TUNE_BOUNDARY_IN_PASS=$b timeout 75 python3 benchmarks/launch_trace.py --specs mamba2 \
    --out "$OUT/trace$b" > "$OUT/trace$b.log" 2>&1
  echo "BOUNDARY_IN_PASS=$b:"; grep "launches" "$OUT/trace$b.log"
done
echo "traces done at ${SECONDS}s"
true
