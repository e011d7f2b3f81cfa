#!/usr/bin/env bash
# Session 65, call 1 (one GPU, timeout_s 590): KDA's knobs at 4x4096x64x128, each variant in its own process,
# checked at gate x1 and x10. DIAG_LEVELS: the gated read-outs' diagonal blocks by halves (1) or quarters (2) in
# whole-chunk programs (KDA's backward reads, 64 rows: 16 exponentials per element and reader row -> 10 or 8; its
# first adjoint read-out took 7.048 ms of 39.155 in session 64's trace, never measured with levels); STATE_BV=64: every
# state pass's value block (against the default 32; the forward's pass 1.340 ms against fla's 0.601); READ_MERGE=0: the adjoint's
# two gated reads in a launch each (merged in session 21, with 16-row programs, before whole-chunk programs).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 575 python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 4,4096,64,128 \
  --variants "DIAG_LEVELS=1;STATE_BV=64;DIAG_LEVELS=2;READ_MERGE=0" --budget 470 --out "$OUT/kda_variants" 2>&1 \
  | quiet | grep -v "^variant sweep" | tail -8
echo "all done at ${SECONDS}s"
