#!/usr/bin/env bash
# Session 10, call 2 (nvidia-h200-x2, about 8 minutes), with session 10's defaults (CUM=kernel, SUB_DIAG_PARTS=2,
# read-out value blocks of 128 for one-input sub-chunked reads).
#   GPU 0: the scalar-decay families' forward is one fused state+reads kernel with N x V/64 programs (64 at
#          2x16384x16, fewer than the H200's 132 SMs; fla's h kernel runs 128 programs and its o kernel one per
#          chunk). Checked A/B of narrower value blocks and of the unfused path (state pass storing h, then a
#          parallel read kernel) at two shapes.
#   GPU 1: phases of the scalar and rank-one families' forward+backward at 2x16384x16x128 (where the time goes
#          after session 7's compiled glue), then the per-dimension families with the new defaults.
set -u
V='STATE_BV=32;STATE_BV=16;FUSE_READS=0;FUSE_READS=0,STATE_BV=32'
JOB_TIMEOUT=${PHASE_A:-520} TAIL_LINES=60 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/variant_sweep.py --out \$OUT/a --specs retnet,mamba2 --bench-shape 2,16384,16,128 --variants '$V' --budget 240 && python3 benchmarks/variant_sweep.py --out \$OUT/b --specs retnet,linear_attn --bench-shape 4,2048,16,128 --variants '$V' --budget 200" \
  "python3 benchmarks/phase_sweep.py --out \$OUT/ph --specs retnet,mamba2,gated_deltanet,deltanet --budget 300 && python3 benchmarks/phase_sweep.py --out \$OUT/ph2 --specs gla,kda --budget 120"
