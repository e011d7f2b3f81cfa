#!/usr/bin/env bash
# Session 28, call 3 (nvidia-h200, one GPU, about 8 minutes): issue 4's table for GLA, HGRN2 and RWKV-6 at fla's
# D = 128 shapes and 8x1024x8x64 (the checks at gate x1 and x10 ride with the h16 group) from the code with call 1's
# defaults (GATED_GAUGE, GATE_GRAD_KERNEL, FLIPPED_SCORES; the backward's per-dimension tf32 state pass in 32-row
# blocks where 64-row ones leave SMs idle) and the reads' constant factors in the kernels (READ_SCALES: a spec's
# S^T (scale * q) read as q, its result times scale); then RetNet (the fused reads' OSCALE) with READ_SCALES=0
# against the new default, each in its own process, if time is left.
set -u
TABLE_GPU0="gla:gla,hgrn2 rwkv6:rwkv6" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=290 JOB_TIMEOUT=330 \
  MAX_PROCS=8 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 440 ] && timeout $((545 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs retnet \
  --variants "READ_SCALES=0" --bench-shape 2,16384,16,128 --budget $((530 - SECONDS)) --out "$OUT/retnet" 2>&1 \
  | grep -A3 "^variant sweep, each"
echo "RetNet done at ${SECONDS}s"
true
