#!/usr/bin/env bash
# Session 3's last device call (nvidia-h200-x4), recorded as run. From the repo root, after the install prefix:
#   phase A, one job per GPU (run_parallel.sh): fla vs lindsl at 8x2048x16x64 (fla autotunes there: two ops per
#   GPU), and on GPU 3 the graphed-decode test, the D=64 correctness checks, the 4x8192x16x128 rows and decode;
#   phase B: sequence parallelism on 4 and then 2 GPUs for GLA (the LASP-2 form after the blocked cumsum).
set -u
export NCCL_NVLS_ENABLE=0
AT="--autotune-cache benchmarks/triton-autotune"
S64="python3 benchmarks/gpu_suite.py --out \$OUT $AT --skip-check --bench-shapes 8,2048,16,64"
ALL=linear_attn,linear_attn_normalized,retnet,lightning,mamba2,gla,hgrn2,rwkv6,deltanet,gated_deltanet,kda,rwkv7,mom_gated_deltanet,sse_gla
FLA=retnet,gla,deltanet,gated_deltanet,kda,rwkv7
JOB_TIMEOUT=${PHASE_A:-320} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "$S64 --bench-specs retnet,gla --fla retnet,gla" \
  "$S64 --bench-specs deltanet,gated_deltanet --fla deltanet,gated_deltanet" \
  "$S64 --bench-specs kda,rwkv7 --fla kda,rwkv7" \
  "python3 -m pytest -q -p no:cacheprovider tests/test_decode.py -k graphed; python3 benchmarks/gpu_suite.py --out \$OUT $AT --specs $ALL --check-shape 2,4096,8,64 --bench-shapes 4,8192,16,128 --bench-specs $FLA --fla $FLA --decode retnet,gla,deltanet,gated_deltanet"
mv "$OUT/all.tar.gz" "$OUT/phaseA.tar.gz"
mkdir -p "$OUT/sp4" "$OUT/sp2"
timeout ${PHASE_B4:-130} torchrun --standalone --nproc_per_node 4 benchmarks/sp_suite.py --out "$OUT/sp4" --specs gla \
  --bench-specs gla --t-rank 32,128 --budget 60 > "$OUT/sp4/log" 2>&1
tail -n 12 "$OUT/sp4/log"
CUDA_VISIBLE_DEVICES=0,1 timeout ${PHASE_B2:-100} torchrun --standalone --nproc_per_node 2 benchmarks/sp_suite.py \
  --out "$OUT/sp2" --specs '' --bench-specs gla --t-rank 32,128 --budget 45 > "$OUT/sp2/log" 2>&1
tail -n 12 "$OUT/sp2/log"
(cd "$OUT" && tar czf phaseB.tar.gz sp4 sp2 && rm -rf sp4 sp2)
