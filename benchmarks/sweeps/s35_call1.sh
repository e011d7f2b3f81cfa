#!/usr/bin/env bash
# The next session's first device call (nvidia-h200, one GPU, about 8 minutes), written in session 34; see NOTES.md
# v35's order, item 5. (1) Mamba-2's and RWKV-6's table rows at the shapes not yet measured with LOW_ADDED (the added
# read in bf16, on since session 34's call 3), checks at gate x1 and x10 with the first group. (2) Decode at batch
# 256 for the nine families, lindsl's graphed step against fla's graphed one (session 34 measured fla's graphed step
# at batch 64 only). table_call.sh packs its own all.tar.gz; the rest is tarred here.
set -u
TABLE_SHAPES="h16:4,2048,16,128 h64:4,4096,64,128 h96:1,8192,96,128 d64:8,1024,8,64" TABLE_GPU0="sgla:mamba2 rwkv6:rwkv6" \
  TABLE_GPU1="" WITH_D256=0 DEADLINE=260 JOB_TIMEOUT=290 MAX_PROCS=4 bash benchmarks/sweeps/table_call.sh 2>&1 \
  | tee "$OUT/table.txt"
echo "table done at ${SECONDS}s"
left=$((560 - SECONDS))
[ "$left" -gt 60 ] && timeout "$left" python3 benchmarks/decode_ab.py \
  --specs retnet,mamba2,gla,hgrn2,rwkv6,deltanet,gated_deltanet,kda,rwkv7 --batches 256 --variants "" --rounds 3 \
  2>&1 | grep -v -i warn | tee "$OUT/decode_ab.txt"
echo "all done at ${SECONDS}s"
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
