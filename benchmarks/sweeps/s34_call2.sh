#!/usr/bin/env bash
# Session 34, call 2 (nvidia-h200, one GPU, about 9.5 minutes). (1) RetNet's table rows at the three large shapes with
# the backward's glue eager where no gate needs a gradient (the rule after call 1), checks at gate x1 and x10 first.
# (2) The eager decode step at batch 64 for the nine fla-covered families: the compiled decode prologue against the
# eager one, with lindsl's graphed step and fla's fused_recurrent eager and graphed in the same rounds.
# (3) LOW_ADDED=1 for Mamba-2 at 2x16384x16x128, each variant in its own process, checks and kernel sums.
set -u
TABLE_SHAPES="h16:2,16384,16,128 h64:4,4096,64,128 h96:1,8192,96,128" TABLE_GPU0="sgla:retnet" TABLE_GPU1="" \
  WITH_D256=0 DEADLINE=190 JOB_TIMEOUT=215 MAX_PROCS=3 bash benchmarks/sweeps/table_call.sh 2>&1 | tee "$OUT/table.txt"
echo "table done at ${SECONDS}s"
left=$((400 - SECONDS))
[ "$left" -gt 60 ] && timeout "$left" python3 benchmarks/decode_ab.py \
  --specs retnet,mamba2,gla,hgrn2,rwkv6,deltanet,gated_deltanet,kda,rwkv7 --batches 64 \
  --variants "DECODE_PROLOGUE=eager" --rounds 3 2>&1 | grep -v -i warn | tee "$OUT/decode_ab.txt"
echo "decode done at ${SECONDS}s"
left=$((575 - SECONDS))
[ "$left" -gt 90 ] && timeout "$left" python3 benchmarks/variant_sweep.py --specs mamba2 --variants "LOW_ADDED=1" \
  --bench-shape 2,16384,16,128 --isolate --budget $((left - 60)) --out "$OUT/low_added" 2>&1 | grep -v -i warn \
  | tee "$OUT/low_added.txt"
echo "all done at ${SECONDS}s"
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
