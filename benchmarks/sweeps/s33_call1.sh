#!/usr/bin/env bash
# Session 33, call 1 (written in session 32 as next_first_call.sh; nvidia-h200, one GPU, about 9 minutes); see NOTES.md
# v33's order, item 1 (a). The backward's glue eager (LINDSL_TUNE_BWD_GLUE=eager: no Dynamo guards, graph breaks or
# AOTAutograd wrappers; more, unfused elementwise kernels) against compiled (the default), each variant in its own
# process, checks at gate x1 and x10 first: the wall clock and the kernel sums side by side. On the CPU with no-op
# kernels (session 32) Dynamo alone costs Mamba-2's forward+backward 1.0 ms of host (1.40 -> 2.38 ms, BWD_GLUE=trace);
# on the GPU the compiled functions' own overhead was about 2 ms (host_split.py, call 2). Predicted: the wall clock
# falls where the host bounds it (Mamba-2, RetNet at 2x16384x16x128 and 4x2048x16x128), the kernel sums rise by the
# glue's unfused passes (session 9: compiled glue 8-20 % off forward+backward when the kernels were slower). Then
# the host's split of the eager variant.
set -u
run() {  # specs shape
  local left=$((560 - SECONDS)); [ "$left" -lt 120 ] && { echo "skipped $*"; return; }
  timeout "$left" python3 benchmarks/variant_sweep.py --isolate --specs "$1" --variants "BWD_GLUE=eager" \
    --bench-shape "$2" --budget $((left - 30)) --out "$OUT/glue_${2//,/x}" 2>&1 | grep -A8 "^variant sweep, each"
  echo "$1 at $2 done at ${SECONDS}s"
}
run mamba2,retnet,gla 2,16384,16,128
run mamba2,retnet,gla 4,2048,16,128
left=$((580 - SECONDS))
[ "$left" -gt 60 ] && LINDSL_TUNE_BWD_GLUE=eager timeout "$left" python3 benchmarks/host_split.py \
  --specs mamba2,gla --shapes "2,16384,16,128;4,2048,16,128" 2>&1 | grep -v Warn
cd "$OUT" && tar czf /tmp/out.tgz . && rm -rf "$OUT"/* && mv /tmp/out.tgz "$OUT/out.tgz"
true
