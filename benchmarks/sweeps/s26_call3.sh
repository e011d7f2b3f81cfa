#!/usr/bin/env bash
# Session 26, call 3 (nvidia-h200, one GPU, about 5 minutes: the session's last device time), code of the REV_SOURCES
# drop (kernels as measured in call 2):
# 1. table rows of RWKV-6 (last measured in sessions 18-19) and Gated DeltaNet (the state-pass rule's final form),
#    fla's five shapes, one wave of eight processes, checks at gate x1 and x10;
# 2. every launch of GLA's forward+backward at 2x16384x16x128 beside fla's (its forward+backward 2-6 % slower than
#    session 18's rows in call 2), if time is left.
set -u
TABLE_GPU0="rwkv6:rwkv6 gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=200 JOB_TIMEOUT=250 \
  MAX_PROCS=8 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 250 ] && timeout $((320 - SECONDS)) python3 benchmarks/launch_trace.py --fla \
  --specs gla --shape 2,16384,16,128 --out "$OUT/trace" 2>&1 | grep -v -i warn | tail -60
true
