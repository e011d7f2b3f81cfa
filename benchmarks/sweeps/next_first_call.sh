#!/usr/bin/env bash
# The next session's first device call (nvidia-h200, one GPU, about 9 minutes), written in session 33; see NOTES.md
# v34's order, item 1. (1) The glue rule's threshold: at 2x16384x16x128 (2^26 elements, compiled glue by
# GLUE_COMPILE_MIN) the eager glue against compiled, interleaved in one process, 5 rounds (session 33's call 1 across
# processes: RetNet -0.08 ms eager, GLA +0.21, Mamba-2 equal). (2) The host's split of the defaults at 4x2048x16x128
# for the families whose backward is now eager there, to pick the next host target; (3) Triton's launch by parts
# (benchmarks/launch_cost.py: the binder, the cache key, the metadata, the C launcher) for Mamba-2's kernels, before a
# cached launch plan is written. It tars $OUT itself.
set -u
for combo in retnet:2,16384,16,128 mamba2:2,16384,16,128; do
  left=$((400 - SECONDS)); [ "$left" -lt 90 ] && { echo "skipped $combo"; continue; }
  timeout "$left" python3 benchmarks/host_ab.py --specs "${combo%%:*}" --shapes "${combo#*:}" \
    --variants "BWD_GLUE=eager" --rounds 5 2>&1 | grep -v -i warn | tee -a "$OUT/host_ab.txt"
  echo "$combo done at ${SECONDS}s"
done
left=$((500 - SECONDS))
[ "$left" -gt 60 ] && timeout "$left" python3 benchmarks/host_split.py --specs mamba2,gla,deltanet \
  --shapes "4,2048,16,128" 2>&1 | grep -v -i warn | tee "$OUT/host_split.txt"
left=$((575 - SECONDS))
[ "$left" -gt 45 ] && timeout "$left" python3 benchmarks/launch_cost.py --specs mamba2 --shape 4,2048,16,128 \
  2>&1 | grep -v -i warn | tee "$OUT/launch_cost.txt"
cd "$OUT" && tar czf /tmp/out.tgz . && rm -rf "$OUT"/* && mv /tmp/out.tgz "$OUT/out.tgz"
true
