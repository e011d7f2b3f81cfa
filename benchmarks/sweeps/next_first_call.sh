#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200-x4 if lent, else adapt the job list): measures what
# session 3 changed after its last GPU run, each change checked for correctness in the same run.
#   GPU 0: the opt-in doubling WY solve on every rank-one spec (variant sweep: correctness at gate x1/x10, timing)
#   GPU 1: the committed defaults re-measured against fla at 4x8192x16x128 (the einsum boundary terms, the freed
#          adjoint states and the chunk rule are in every row) plus the decode table (in-place graphed state)
#   GPU 2: fla's remaining rows at 8x2048x16x64 (gla, rwkv7: fla autotunes ~2-4 min each)
#   GPU 3: the graphed-decode GPU test, the D=128 checks and 8 random compositions
set -u
AT="--autotune-cache benchmarks/triton-autotune"
FLA=retnet,gla,deltanet,gated_deltanet,kda,rwkv7
JOB_TIMEOUT=${PHASE_A:-540} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs deltanet,gated_deltanet,kda,rwkv7 --variants 'WY_SOLVE=doubling;WY_SOLVE=doubling,WY_PREC=tf32x3' --budget 480" \
  "python3 benchmarks/gpu_suite.py --out \$OUT $AT --skip-check --bench-shapes 4,8192,16,128 --bench-specs $FLA,mamba2,hgrn2,rwkv6,linear_attn --fla $FLA --decode retnet,gla,deltanet,gated_deltanet" \
  "python3 benchmarks/gpu_suite.py --out \$OUT $AT --skip-check --bench-shapes 8,2048,16,64 --bench-specs gla,rwkv7 --fla gla,rwkv7" \
  "TRITON_INTERPRET=0 python3 -m pytest -q -p no:cacheprovider tests/test_decode.py -k graphed; python3 benchmarks/gpu_suite.py --out \$OUT --check-shape 2,4096,8,128 --random 8 --bench-shapes ''"
