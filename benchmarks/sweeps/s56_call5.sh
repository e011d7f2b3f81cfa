#!/usr/bin/env bash
# Session 56's last call (one GPU, about 2.5 minutes, timeout_s 200): s56_call4.sh's trial alone (the device time
# left after three refused starts): Mamba-2's two backward state passes as hilo's two bf16 products in four warps
# (R0_STATE_PREC=hilo) and tf32 in 32-wide value blocks, against the default, each in its own process, checked at
# gate x1 and x10 first, 2x16384x16x128.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "R0_STATE_PREC=hilo,STATE_WARPS=4;STATE_BV=32" --budget 120 \
  --out "$OUT/mamba2_r0" 2>&1 | quiet | grep -v "^variant sweep"
echo "all done at ${SECONDS}s"
