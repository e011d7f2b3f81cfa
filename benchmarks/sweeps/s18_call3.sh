#!/usr/bin/env bash
# Session 18, call 3 (nvidia-h200, one GPU, at most about 9.5 minutes), the session's last:
#   1. the table's other half (RetNet, Mamba-2, DeltaNet, Gated DeltaNet: three family groups, twelve processes,
#      checks first); call 2's sixteen processes timed 15 of 25 rows before their deadline of 280 s, so 340 here;
#   2. the rows call 2 missed at 2x16384x16x128 (GLA, HGRN2, KDA, RWKV-6, RWKV-7; their checks passed in call 2).
# Each half is packed as soon as it ends (a kill at the call's limit keeps the first).
set -u
TABLE_GPU0="sgla:retnet,mamba2 dn:deltanet gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=340 \
  JOB_TIMEOUT=380 bash benchmarks/sweeps/table_call.sh
mv "$OUT/all.tar.gz" "$OUT/table1.tar.gz"
TABLE_GPU0="gla:gla,hgrn2 kda:kda rwkv6:rwkv6 rwkv7:rwkv7" TABLE_SHAPES="big:2,16384,16,128" TABLE_GPU1="" \
  WITH_D256=0 HOST_LOCK=0 DEADLINE=150 JOB_TIMEOUT=185 bash benchmarks/sweeps/table_call.sh
mv "$OUT/all.tar.gz" "$OUT/table2.tar.gz"
