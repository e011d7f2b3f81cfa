#!/usr/bin/env bash
# Session 36 call 4 (one H200): table rows (GPU checks at gate x1 and x10 first) at 2x16384x16x128 for the families
# whose forward without gradients changed since their rows: the rows kernels at every size (call 1) for all, and the
# rows prologue passing a loggate input used elsewhere too through in bf16 (HGRN2's and KDA's g: no fp32 copy).
set -u
export TRITON_INTERPRET=0
mkdir -p "$OUT/table"
OUT="$OUT/table" TABLE_SHAPES="h16:2,16384,16,128" \
  TABLE_GPU0="gla:gla,hgrn2 rwkv6:rwkv6 gdn:gated_deltanet kda:kda rwkv7:rwkv7" \
  TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=260 JOB_TIMEOUT=420 bash benchmarks/sweeps/table_call.sh
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
