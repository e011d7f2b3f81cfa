#!/usr/bin/env bash
# The next session's first call (one H200; copy pytest-xdist's and execnet's wheels from /opt/pypi/files/ into .whl/
# and run ../shared/device/prepare.sh for lark and fla-core first). The host-bound table rows of DeltaNet and Gated
# DeltaNet (4x2048x16x128, 8x1024x8x64) with fewer processes per host than sessions 42-43's eight, which slowed both
# sides (session 43 ran the DeltaNet GPU tests this script first held). First, compute-sanitizer on session 43's
# illegal memory access with LINDSL_TUNE_WY_REUSE=0 (Gated DeltaNet, K = 16; a knob path), at most 120 s. At most
# about 9 minutes (then two waves of two processes, each cut at 200 s): timeout_s 580.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
CS=$(command -v compute-sanitizer || ls /usr/local/cuda*/bin/compute-sanitizer 2>/dev/null | head -1)
if [ -n "$CS" ]; then
  PROBE=reuse timeout 120 "$CS" --tool memcheck --print-limit 6 python3 benchmarks/sweeps/s43_probe2.py \
    > "$OUT/sanitizer.txt" 2>&1
  grep -E "Invalid|of size|at .*kernel|Address|ERROR SUMMARY|is out of bounds|WY_REUSE" "$OUT/sanitizer.txt" | head -30
fi
echo "sanitizer done at ${SECONDS}s"
TABLE_GPU0="gdn:gated_deltanet dn:deltanet" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 \
  TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=170 JOB_TIMEOUT=200 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
