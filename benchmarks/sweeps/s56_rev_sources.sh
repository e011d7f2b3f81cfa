#!/usr/bin/env bash
# A follow-up written in session 56 (one GPU, about 2 minutes, timeout_s 180): RetNet's adjoint sources read in place
# (REV_SOURCES=1: no two flipped copies, two launches fewer per backward) against the copies (the default for a gate
# without gradient since session 32, whose reversed ungauged reads were slower at 4x4096x64x128, 5.097 -> 5.251 ms,
# before session 55's bf16 tile products changed those reads), at the host-bound 4x2048x16x128 (wall clock) and at
# 2x16384x16x128 (kernels), each variant in its own process, checked at gate x1 and x10 first.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
for shape in 4,2048,16,128 2,16384,16,128; do
  timeout 85 python3 benchmarks/variant_sweep.py --isolate --specs retnet --bench-shape "$shape" \
    --variants "REV_SOURCES=1" --budget 60 --out "$OUT/retnet_rev_${shape//,/x}" 2>&1 | quiet | grep -v "^variant sweep"
done
echo "all done at ${SECONDS}s"
