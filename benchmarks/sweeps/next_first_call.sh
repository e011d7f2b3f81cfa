#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200-x2, about 9 minutes): issue 4's table at fla's benchmark
# shapes that share H=16, D=128 with the fla autotune results in benchmarks/triton-autotune/ (4x2048x16x128 and
# 2x16384x16x128; Triton's autotune key of fla's kernels holds H and D, not T), every fla-covered spec against fla
# and SDPA in the same run; then D=256 for the specs whose fused forward changed stages (lindsl only, with a check).
# GPU 1 first checks and times the delta-rule fold of session 5 (default on; FOLD=0 is the old two-product update).
# Session 5 learned that fla's first call at a shape without saved results autotunes for 1.5-4 minutes per op: the
# shapes with H=64, H=96 and D=64 need their own calls (one op and shape per GPU job, --autotune-cache, then commit
# $OUT/.../triton-autotune.tar.gz's contents to benchmarks/triton-autotune/).
set -u
SH='4,2048,16,128;2,16384,16,128'
S0=retnet,mamba2,gla,hgrn2,deltanet
S1=gated_deltanet,kda,rwkv6,rwkv7
AT="--autotune-cache benchmarks/triton-autotune --watchdog 240"
JOB_TIMEOUT=${PHASE_A:-520} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/gpu_suite.py --out \$OUT --skip-check --bench-shapes '$SH' --bench-specs $S0 --fla $S0 $AT" \
  "python3 benchmarks/variant_sweep.py --out \$OUT/fold --specs deltanet,gated_deltanet,kda --variants 'FOLD=0' --budget 200; python3 benchmarks/gpu_suite.py --out \$OUT --skip-check --bench-shapes '$SH' --bench-specs $S1 --fla $S1 $AT; mkdir -p \$OUT/d256; python3 benchmarks/gpu_suite.py --out \$OUT/d256 --specs retnet,linear_attn,gla,deltanet --check-shape '1,2048,4,256' --bench-shapes '2,8192,16,256' --bench-specs retnet,linear_attn,gla,deltanet --watchdog 120"
