#!/usr/bin/env bash
# Session 46, call 3 (one H200): the rows prologue with gradients above ROWS_GRAD_MAX (2^25 elements). Call 2's
# table at 2x16384x16x128 (the compiled prologue there) showed KDA's peak at 6704 MB where mem_cpu counts 5390 with
# the rows prologue that session 45 trimmed; session 36 kept the compiled prologue above 2^25 for 1-4 % of time.
# A/B ROWS_GRAD=1 against the default per family at the large shapes, one spec and shape per process, with peaks.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
for s in kda mamba2 gated_deltanet rwkv7 gla rwkv6; do
  timeout 60 python3 benchmarks/host_ab.py --specs $s --shapes 2,16384,16,128 --rounds 3 --no-fla \
    --variants "ROWS_GRAD=1" 2>&1 | quiet
  echo "$s t16k done at ${SECONDS}s"
done
for s in kda mamba2; do
  timeout 60 python3 benchmarks/host_ab.py --specs $s --shapes 1,8192,96,128 --rounds 3 --no-fla \
    --variants "ROWS_GRAD=1" 2>&1 | quiet
  echo "$s h96 done at ${SECONDS}s"
done
echo "all done at ${SECONDS}s"
