#!/usr/bin/env bash
# Session 36 call 2 (one H200, ~5 minutes): phase profiles of every fla-covered family, lindsl and fla, at
# 2x16384x16x128 from the current code (the last whole profile was session 13's), with lindsl's 14 most expensive
# kernels by name: which phase holds each family below fla. One process per spec compiling in parallel, profiling one
# at a time (file lock, barrier). Packs $OUT/all.tar.gz.
set -u
SHAPE=${SHAPE:-2,16384,16,128}
export TORCHINDUCTOR_COMPILE_THREADS=1 TRITON_INTERPRET=0
rm -rf /tmp/prof0.lock /tmp/profbar0
specs="retnet mamba2 gla hgrn2 rwkv6 deltanet gated_deltanet kda rwkv7"
pids=()
for s in $specs; do
  dir="$OUT/g0/$s"; mkdir -p "$dir"
  ( timeout 420 python3 benchmarks/profile_phases.py --specs "$s" --shape "$SHAPE" --detail 14 --deadline 300 \
      --lock /tmp/prof0.lock --barrier /tmp/profbar0 --peers 9 --out "$dir" > "$dir/log.txt" 2>&1
    echo "exit $?" >> "$dir/log.txt" ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for f in "$OUT"/g0/*/log.txt; do echo "== $f"; grep -v "^\s*$" "$f" | grep -v -i "warning" | cut -c1-300; done
(cd "$OUT" && tar czf all.tar.gz g0 && rm -rf g0)
true
