#!/usr/bin/env bash
# The next session's third call (one H200), written in session 47 as its second. About 9 minutes: timeout_s 590.
# (1) KDA's backward glue eager (BWD_GLUE=eager) in its own process: the H200's KDA peak at 2x16384x16x128 stands
#     798 MB over the CPU count (6188 against 5390), where the only difference is the compiled glue; its time?
# (2) the host-bound rows of the six families whose rows there are session 38's (before session 45's memory
#     changes), two processes at a time.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 2,16384,16,128 \
  --variants "BWD_GLUE=eager" --budget 150 --out "$OUT/kda_isolate" 2>&1 | quiet | tail -6
echo "kda done at ${SECONDS}s"
# (moved here from the second call in session 48) Mamba-2's rows backward against the compiled prologue (ROWS_GRAD=0:
# session 47's rows 3-4 % slower than session 46's with the compiled prologue) and the eager backward glue
# (BWD_GLUE=eager), each in its own process (these change what torch.compile sees)
timeout 200 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "ROWS_GRAD=0;BWD_GLUE=eager" --budget 170 --out "$OUT/m2_isolate" 2>&1 | quiet | tail -8
echo "mamba2 done at ${SECONDS}s"
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 \
  TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=120 JOB_TIMEOUT=150 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
