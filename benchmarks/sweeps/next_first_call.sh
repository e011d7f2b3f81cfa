#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 8 minutes), for what session 15 left:
#   1. the read sweep's scalar_k_bf16 case, which hit an illegal memory access in three calls of session 15, with
#      the stop on the first CUDA error now matching Triton's wording too: names the faulting configuration;
#   2. issue 4's table for KDA (fla's rows now with its l2norm), RWKV-7 and the GLA family (not re-measured since
#      sessions 13-14), each checked at gate x1 and x10 first.
set -u
CUDA_LAUNCH_BLOCKING=1 timeout 70 python3 benchmarks/read_sweep.py --out "$OUT/rc" --budget 50 --cases scalar_k_bf16 \
  --verbose > "$OUT/crash.log" 2>&1
grep -E "CUDA error in|^scalar_k_bf16" "$OUT/crash.log" | cut -c1-400; tail -3 "$OUT/crash.log" | cut -c1-300
TABLE_GPU0="kda:kda rwkv7:rwkv7 gla:gla,hgrn2" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=330 JOB_TIMEOUT=390 \
  bash benchmarks/sweeps/table_call.sh
