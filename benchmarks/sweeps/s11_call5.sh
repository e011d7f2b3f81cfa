#!/usr/bin/env bash
# Session 11, call 5 (nvidia-h200-x2, about 3 minutes), before the table:
#   NOTES v12 item 2: the scalar-decay forward unfused (state pass storing chunk states, then the read kernel, as
#   fla's h + o) with fp32 or bf16 chunk states, against the fused pass (RetNet 0.81 ms vs fla's 0.45 at
#   2x16384x16x128). H_BF16=1 also reaches the backward, where Mamba-2's dA failed with bf16 states in session 6: the
#   check column says whether that still holds; the forward's time is the question here.
#   Then the host's time after this session's changes (plain cdiv/p2, the scalar cumsum kernel), default only.
set -u
JOB_TIMEOUT=${PHASE_A:-200} TAIL_LINES=30 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/variant_sweep.py --out \$OUT/unf --specs retnet,lightning --variants 'FUSE_READS=0;FUSE_READS=0,H_BF16=1' --budget 150" \
  "python3 benchmarks/variant_sweep.py --out \$OUT/unf --specs mamba2 --variants 'FUSE_READS=0;FUSE_READS=0,H_BF16=1' --budget 80; python3 benchmarks/host_overhead.py --out \$OUT/host --specs retnet,gla,deltanet --shapes '1,64,1,128;4,2048,16,128' --variants ''"
