#!/usr/bin/env bash
# The third device call of the next session (nvidia-h200-x2, about 9 minutes):
#   GPU 0: per-dimension gates in chunks of 64 made of 16-row blocks (SUBCHUNK=1) for the families without rank-one
#          factors. New in session 6: the reads without a returned-side gate take their pair scores once per chunk
#          and a tensor-core read-out (SUB_AMAT=1, the default under SUBCHUNK); SUB_AMAT=0 is the one-kernel form
#          that session 5 measured 1.7x slower than chunks of 16. Every variant checked at gate x1 and x10.
#   GPU 1: bf16 products in the backward's reads and non-rank-one state passes (BWD_PREC=bf16), with checks.
set -u
JOB_TIMEOUT=${PHASE_A:-520} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs gla,hgrn2,rwkv6 --variants 'SUBCHUNK=1;SUBCHUNK=1,SUB_AMAT=0' --budget 470" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs retnet,mamba2,gla,hgrn2,rwkv6 --variants 'BWD_PREC=bf16' --budget 470"
