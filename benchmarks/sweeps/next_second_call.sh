#!/usr/bin/env bash
# The next session's second call (one H200), written in session 49 from session 47's plan. About 8 minutes.
# (1) Mamba-2's rows backward against the compiled epilogue (ROWS_GRAD=0) and the eager backward glue, each in its
#     own process (session 47: the compiled epilogue has no cast in its autograd, which may be call 1's 3-4 %).
# (2) the host-bound rows (4x2048x16x128, 8x1024x8x64) of the six families whose rows there are session 38's
#     (before session 45's memory changes), two processes at a time.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 200 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "ROWS_GRAD=0;BWD_GLUE=eager" --budget 170 --out "$OUT/m2_isolate" 2>&1 | quiet | tail -8
echo "mamba2 done at ${SECONDS}s"
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 \
  TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=120 JOB_TIMEOUT=150 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
