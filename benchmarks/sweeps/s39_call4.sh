#!/usr/bin/env bash
# Session 39 call 4 (one H200, the last ~11 minutes of device time). (1) Table rows of RetNet and Mamba-2 at the
# three large shapes (their rows there were measured in sessions 31-36, before the rows kernels' backward default and
# the fold-sign move), checked at gate x1 and x10 at 2x1024x4x128; (2) before them, every launch of DeltaNet's and
# Gated DeltaNet's forward+backward at 2x16384x16x128 after call 3's change, with fla's (launch_trace.py: which phase
# holds each back now); (3) call 1's MQAR timing in the other order (the rows kernels' backward on first, then off):
# call 1 ran "off" first and paid the cold JIT there. One thing at a time on the GPU.
set -u
export TRITON_INTERPRET=0
timeout 170 python3 benchmarks/launch_trace.py --specs deltanet,gated_deltanet --shape 2,16384,16,128 --fla \
  --out "$OUT" 2>&1 | grep -E "launches|^ +[0-9.]+ us" | awk '$1 > 40 || /launches/' | head -120
echo "trace done at ${SECONDS}s"
OUT="$OUT/table" TABLE_SHAPES="h16:2,16384,16,128 h64:4,4096,64,128 h96:1,8192,96,128" CHECK_SHAPE=2,1024,4,128 \
  TABLE_GPU0="sgla:retnet,mamba2" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=190 JOB_TIMEOUT=215 \
  bash benchmarks/sweeps/table_call.sh > "$OUT/table.txt" 2>&1
grep -E "check|x[0-9]+x[0-9]+x[0-9]+ +lindsl" "$OUT/table.txt"
echo "table done at ${SECONDS}s"
export LINDSL_TUNE_PROLOGUE=eager LINDSL_TUNE_BWD_GLUE=eager
for rg in default 0; do
  [ $SECONDS -gt 470 ] && break
  mkdir -p "$OUT/mqar_$rg"
  ( [ "$rg" = 0 ] && export LINDSL_TUNE_ROWS_GRAD=0
    timeout 60 python3 benchmarks/mqar_gpu.py --rules gated_deltanet,gla --seeds 1 --steps 300 --budget 50 \
      --no-probe --quiet --out "$OUT/mqar_$rg" > "$OUT/mqar_$rg/log.txt" 2>&1 )
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); [print(sys.argv[2], r['rule'], round(r['wall_s'], 1), round(r['train_seconds'], 1), r.get('steps_done')) for r in d['rows']]" "$OUT/mqar_$rg/mqar_gpu.json" "$rg" || tail -5 "$OUT/mqar_$rg/log.txt"
done
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
