#!/usr/bin/env bash
# Session 4's last device call (nvidia-h200-x2): the committed defaults against fla in one run, the correctness
# suite, then the 2-GPU LASP-2 run with the fused correction kernels.
#   phase A, GPU 0: every fla-covered family at 4x8192x16x128 against fla, four more specs, the decode table
#   phase A, GPU 1: the library checks at D=128 and D=64 (gate x1, x10) and 8 random compositions
#   phase B, both GPUs: GLA at 32K tokens per rank, P=2 against P=1, phases per rank
set -u
AT="--autotune-cache benchmarks/triton-autotune"
FLA=retnet,gla,deltanet,gated_deltanet,kda,rwkv7
JOB_TIMEOUT=${PHASE_A:-320} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/gpu_suite.py --out \$OUT $AT --skip-check --bench-shapes 4,8192,16,128 --bench-specs $FLA,mamba2,hgrn2,rwkv6,linear_attn --fla $FLA --decode retnet,gla,deltanet,gated_deltanet" \
  "python3 benchmarks/gpu_suite.py --out \$OUT --check-shape '2,4096,8,128;2,4096,8,64' --random 8 --bench-shapes ''"
mkdir -p "$OUT/sp"
timeout "${PHASE_B:-150}" torchrun --standalone --nproc_per_node 2 benchmarks/sp_suite.py --out "$OUT/sp" --specs gla \
  --bench-specs gla --t-rank 32 --quick --budget 100 > "$OUT/sp/sp.log" 2>&1; echo "sp exit $?" >> "$OUT/sp/sp.log"
tail -n 30 "$OUT/sp/sp.log"
(cd "$OUT" && tar czf sp.tar.gz sp && rm -rf sp)
