#!/usr/bin/env bash
# Session 33, call 2 (nvidia-h200, about 9 minutes): which glue torch.compile should take, by an interleaved A/B in
# one process per spec and shape (benchmarks/host_ab.py; call 1's wall clocks of host-bound rows moved between
# processes with the machine's host): the prologue, the epilogue and the backward's glue eager against compiled.
set -u
V="BWD_GLUE=eager;PROLOGUE=eager,EPILOGUE=eager;PROLOGUE=eager,EPILOGUE=eager,BWD_GLUE=eager"
for combo in mamba2:4,2048,16,128 gla:4,2048,16,128 retnet:4,2048,16,128 deltanet:4,2048,16,128 \
             mamba2:2,16384,16,128 gla:2,16384,16,128 retnet:2,16384,16,128 deltanet:2,16384,16,128 \
             gla:8,1024,8,64 mamba2:8,1024,8,64 kda:4,2048,16,128 gated_deltanet:4,2048,16,128; do
  left=$((570 - SECONDS)); [ "$left" -lt 60 ] && { echo "skipped $combo"; continue; }
  timeout "$left" python3 benchmarks/host_ab.py --specs "${combo%%:*}" --shapes "${combo#*:}" --variants "$V" \
    --rounds 3 2>&1 | grep -v -i warn | tee -a "$OUT/host_ab.txt"
  echo "$combo done at ${SECONDS}s"
done
true
