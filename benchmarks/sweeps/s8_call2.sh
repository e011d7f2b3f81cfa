#!/usr/bin/env bash
# Session 8, call 2 (nvidia-h200-x2, about 9 minutes), after call 1 made SUBCHUNK_R1 and WY_BF16 the defaults
# (benchmarks/NOTES.md, v10):
#   GPU 0: phase times of state-pass and read variants (no checks; benchmarks/phase_sweep.py) at 2x16384x16x128:
#          bf16 products in the rank-one state pass (fla's h kernel multiplies bf16 w and h), wider value blocks with eight warps,
#          narrower ones (more programs: is the pass latency-bound?), eight warps, pipeline stages, bf16 read products; KDA's stages with the new defaults.
#   GPU 1: the same candidates with checks (gate x1 and x10) and end-to-end times at 4x8192x16x128
#          (benchmarks/variant_sweep.py), then the compiled epilogue's A/B for RWKV-6 and Mamba-2.
set -u
JOB_TIMEOUT=${PHASE_A:-480} TAIL_LINES=60 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/phase_sweep.py --out \$OUT --specs gated_deltanet --budget 260 --variants 'STATE_PREC=bf16;STATE_PREC=bf16,STATE_BV=64,STATE_WARPS=8;STATE_BV=64,STATE_WARPS=8;STATE_BV=16;STATE_PREC=bf16,STORE_H_STAGES=2;STATE_WARPS=8;R1_READ_PREC=bf16;WY_BF16=0' && python3 benchmarks/phase_sweep.py --out \$OUT/kda --specs kda --budget 120 --variants 'STORE_H_STAGES=1;STATE_PREC=bf16;R1_READ_PREC=bf16'" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs gated_deltanet,deltanet --variants 'STATE_PREC=bf16;R1_READ_PREC=bf16;STATE_PREC=bf16,R1_READ_PREC=bf16' --budget 240 && python3 benchmarks/variant_sweep.py --out \$OUT/r1 --specs kda,rwkv7 --variants 'STORE_H_STAGES=1;STATE_PREC=bf16' --budget 130 && python3 benchmarks/variant_sweep.py --out \$OUT/epi --specs rwkv6,mamba2 --variants 'EPILOGUE=eager' --budget 70"
