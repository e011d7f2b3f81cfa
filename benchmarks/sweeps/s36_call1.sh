#!/usr/bin/env bash
# Session 36 call 1 (session 35's benchmarks/sweeps/next_rows_2d.patch applied in 78adbc8, the file removed since): the rows kernels in blocks of ROWS_PER_PROGRAM
# rows per program (2-D [ROWS, D] code; call 4 of session 35 measured one row per program slower at 2x16384x16x128).
# (1) The rows and fused-step tests compiled for the GPU. (2) Forward without gradients, interleaved in one process per
# spec and shape, without fla: the default (rows kernels below 2^25 elements only) against the rows kernels at every
# size (ROWS_MAX=2^40) with 16 (default), 4 and 64 rows per program.
set -u
export TRITON_INTERPRET=0
timeout 150 python3 -m pytest -q -p no:cacheprovider tests/test_rows_kernels.py tests/test_fused_step.py 2>&1 \
  | grep -v -i "warning:\|warnings.warn" | tail -8 | tee "$OUT/pytest.txt"
echo "tests done at ${SECONDS}s"
V="ROWS_MAX=1099511627776;ROWS_MAX=1099511627776,ROWS_PER_PROGRAM=4;ROWS_MAX=1099511627776,ROWS_PER_PROGRAM=64;ROWS=0"
for job in mamba2:2,16384,16,128 mamba2:4,2048,16,128 gla:2,16384,16,128 deltanet:2,16384,16,128 \
           mamba2:1,8192,96,128 retnet:4,2048,16,128; do
  spec=${job%%:*}; shape=${job#*:}
  left=$((540 - SECONDS)); [ "$left" -lt 40 ] && { echo "skipped $job" | tee -a "$OUT/host_ab.txt"; continue; }
  timeout "$left" python3 benchmarks/host_ab.py --specs "$spec" --shapes "$shape" --variants "$V" \
    --rounds 3 --no-fla 2>&1 | grep -v -i "warning:\|warnings.warn" | tee -a "$OUT/host_ab.txt"
done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
