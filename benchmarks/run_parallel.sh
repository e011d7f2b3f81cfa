#!/usr/bin/env bash
# Run several GPU jobs side by side, one per GPU, on a multi-GPU machine (device tool kinds nvidia-h200-x2/x4/x8):
#   bash benchmarks/run_parallel.sh "<args for GPU 0>" "<args for GPU 1>" ...
# Each argument is a command line (run with bash -c) with CUDA_VISIBLE_DEVICES set to its GPU and OUT set to
# $OUT/g<i>; its log goes to $OUT/g<i>.log. Every job is bounded by JOB_TIMEOUT seconds (default 530). At the end
# everything is packed into $OUT/all.tar.gz (the device tool returns only a few files).
set -u
i=0
pids=()
for cmd in "$@"; do
  mkdir -p "$OUT/g$i"
  log="$OUT/g$i.log"
  ( export CUDA_VISIBLE_DEVICES=$i OUT="$OUT/g$i"; timeout "${JOB_TIMEOUT:-530}" bash -c "$cmd" > "$log" 2>&1; echo "exit $?" >> "$log" ) &
  pids+=($!)
  i=$((i + 1))
done
for p in "${pids[@]}"; do wait "$p"; done
for j in $(seq 0 $((i - 1))); do echo "== g$j"; tail -n "${TAIL_LINES:-25}" "$OUT/g$j.log"; done
# one archive: the device tool returns a bounded number of files
(cd "$OUT" && rm -rf g*/triton-autotune && tar czf all.tar.gz g* && rm -rf g*)
