#!/usr/bin/env bash
# Phase profiles of every fla-covered family, lindsl and fla, at one of fla's shapes (nvidia-h200-x2, ~4 minutes):
# one process per job, compiling in parallel, profiling one at a time per GPU (file lock); DeltaNet and Gated
# DeltaNet also with the forward's reads unfused (LINDSL_TUNE_FUSE_READS=0). Packs $OUT/all.tar.gz.
set -u
SHAPE=${SHAPE:-2,16384,16,128}
export TORCHINDUCTOR_COMPILE_THREADS=1
rm -rf /tmp/prof0.lock /tmp/prof1.lock /tmp/profbar0 /tmp/profbar1
N0=6; N1=5; [ "${ONE_GPU:-0}" = 1 ] && N0=11
pids=()
for job in 0:retnet 0:mamba2 0:gla 0:hgrn2 0:deltanet:unfused 0:gated_deltanet:unfused \
           1:rwkv6 1:deltanet 1:gated_deltanet 1:kda 1:rwkv7; do
  IFS=: read -r g s variant <<< "$job"
  [ "${ONE_GPU:-0}" = 1 ] && g=0
  dir="$OUT/g$g/$s${variant:+_$variant}"
  mkdir -p "$dir"
  ( export CUDA_VISIBLE_DEVICES=$g; [ "$variant" = unfused ] && export LINDSL_TUNE_FUSE_READS=0
    timeout "${JOB_TIMEOUT:-240}" python3 benchmarks/profile_phases.py --specs "$s" --shape "$SHAPE" \
      --lock /tmp/prof$g.lock --barrier /tmp/profbar$g --peers $([ $g = 0 ] && echo $N0 || echo $N1) --out "$dir" > "$dir/log.txt" 2>&1; echo "exit $?" >> "$dir/log.txt" ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for f in "$OUT"/g*/*/log.txt; do echo "== $f"; grep -v "^\s*$" "$f" | grep -v Warning | cut -c1-420; done
(cd "$OUT" && tar czf all.tar.gz g* && rm -rf g*)
