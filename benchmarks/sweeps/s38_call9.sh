#!/usr/bin/env bash
# Session 38 call 9 (one H200, the last 300 s of device time): DeltaNet's table row at 4x2048x16x128 from the current
# code (call 1's row timed the kernels before the fold-sign fix, and its check failed), checked at gate x1 and x10
# at 2x1024x4x128; then the rows kernels' backward against the compiled prologue for DeltaNet there again (session 37
# call 2 read +0.16 ms with 3 rounds; 5 rounds here).
set -u
export TRITON_INTERPRET=0
OUT="$OUT/table" TABLE_SHAPES="h16:4,2048,16,128" CHECK_SHAPE=2,1024,4,128 TABLE_GPU0="dn:deltanet" TABLE_GPU1="" \
  WITH_D256=0 HOST_LOCK=0 DEADLINE=110 JOB_TIMEOUT=130 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
timeout $((215 - SECONDS)) python3 benchmarks/host_ab.py --specs deltanet --shapes 4,2048,16,128 --variants "ROWS_GRAD=0" \
  --rounds 5 --no-fla 2>&1 | grep -v -i "warning:\|warnings.warn" | tee "$OUT/host_ab.txt"
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
