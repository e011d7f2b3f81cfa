#!/usr/bin/env bash
# Session 34, call 1 (nvidia-h200, one GPU, about 9.5 minutes; written in session 33 as next_first_call.sh, decode
# added in session 34). (1) Decode rows for all nine fla-covered families at batch 64 and 256 (issue 4's item 2:
# only four were measured, in session 7), each step checked against the fp64 engine. (2) The host's split of the
# defaults at 4x2048x16x128 for Mamba-2, GLA and DeltaNet (one shape per process: no dynamic-shape recompiles).
# (3) Triton's launch by parts (launch_cost.py) for Mamba-2's kernels. (4) The glue rule's threshold at
# 2x16384x16x128 for RetNet, eager against compiled interleaved in one process, 5 rounds. It tars $OUT itself.
set -u
timeout 230 python3 benchmarks/gpu_suite.py --out "$OUT" --skip-check --bench-shapes "" \
  --decode retnet,mamba2,gla,hgrn2,rwkv6,deltanet,gated_deltanet,kda,rwkv7 \
  --fla retnet,mamba2,gla,hgrn2,rwkv6,deltanet,gated_deltanet,kda,rwkv7 2>&1 | grep -v -i warn | tee "$OUT/decode.txt"
echo "decode done at ${SECONDS}s"
left=$((360 - SECONDS))
[ "$left" -gt 60 ] && timeout "$left" python3 benchmarks/host_split.py --specs mamba2,gla,deltanet \
  --shapes "4,2048,16,128" 2>&1 | grep -v -i warn | tee "$OUT/host_split.txt"
echo "host split done at ${SECONDS}s"
left=$((450 - SECONDS))
[ "$left" -gt 45 ] && timeout "$left" python3 benchmarks/launch_cost.py --specs mamba2 --shape 4,2048,16,128 \
  2>&1 | grep -v -i warn | tee "$OUT/launch_cost.txt"
echo "launch cost done at ${SECONDS}s"
left=$((570 - SECONDS))
[ "$left" -gt 80 ] && timeout "$left" python3 benchmarks/host_ab.py --specs retnet --shapes 2,16384,16,128 \
  --variants "BWD_GLUE=eager" --rounds 5 2>&1 | grep -v -i warn | tee "$OUT/host_ab.txt"
echo "all done at ${SECONDS}s"
cd "$OUT" && tar czf /tmp/out.tgz . && rm -rf "$OUT"/* && mv /tmp/out.tgz "$OUT/out.tgz"
true
