#!/usr/bin/env bash
# Next session's first call (written in session 35 as its call 5, not run: no device budget left; apply
# benchmarks/sweeps/next_rows_2d.patch first, `git apply`): the rows kernels in blocks
# of 16 rows per program (2-D [ROWS, D] code, after call 4 measured one row per program slower at 2x16384x16x128).
# (1) Their tests compiled for the GPU. (2) Mamba-2's forward without gradients at 2x16384x16x128 and 4x2048x16x128:
# the default (rows kernels below 2^25 elements only) against the rows kernels at every size (ROWS_MAX=2^40),
# interleaved in one process per shape, without fla.
set -u
export TRITON_INTERPRET=0
timeout 90 python3 -m pytest -q -p no:cacheprovider tests/test_rows_kernels.py 2>&1 | grep -v -i warn | tail -6 \
  | tee "$OUT/pytest.txt"
echo "tests done at ${SECONDS}s"
for shape in 2,16384,16,128 4,2048,16,128; do
  left=$((165 - SECONDS)); [ "$left" -lt 25 ] && { echo "skipped $shape" | tee -a "$OUT/host_ab.txt"; continue; }
  timeout "$left" python3 benchmarks/host_ab.py --specs mamba2 --shapes "$shape" --variants "ROWS_MAX=1099511627776" \
    --rounds 3 --no-fla 2>&1 | grep -v -i warn | tee -a "$OUT/host_ab.txt"
done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
