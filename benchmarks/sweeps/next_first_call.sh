#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 6 minutes), for what session 15 left:
#   1. the backward's reads stored in their inputs' dtype when no gate gradient takes them (session 15's last
#      change, unmeasured on the GPU): checked (gate x1, x10) and timed against LINDSL_TUNE_LOW_READS=0 (fp32
#      results, the code of call 4's table) in one run, for RetNet, DeltaNet and linear attention;
#   2. the read sweep's scalar_k_bf16 case, which hit an illegal memory access in three calls of session 15, with
#      the stop on the first CUDA error now matching Triton's wording too: names the faulting configuration;
#   3. RetNet's kernels by name (session 15 call 2: inductor glue 0.93 ms of 4.00, of it 0.28 casts after flips).
# Then, as a second call: issue 4's table for KDA (fla's rows now with its l2norm), RWKV-7 and the GLA family:
#   TABLE_GPU0="kda:kda rwkv7:rwkv7 gla:gla,hgrn2" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=330 \
#     JOB_TIMEOUT=390 bash benchmarks/sweeps/table_call.sh
set -u
timeout 200 python3 benchmarks/variant_sweep.py --specs retnet,deltanet,linear_attn --variants "LOW_READS=0" \
  --bench-shape 2,16384,16,128 --budget 170 --out "$OUT/v" 2>&1 | grep -A7 "^variant sweep"
CUDA_LAUNCH_BLOCKING=1 timeout 70 python3 benchmarks/read_sweep.py --out "$OUT/rc" --budget 50 --cases scalar_k_bf16 \
  --verbose > "$OUT/crash.log" 2>&1
grep -E "CUDA error in|^scalar_k_bf16" "$OUT/crash.log" | cut -c1-400; tail -3 "$OUT/crash.log" | cut -c1-300
timeout 90 python3 benchmarks/profile_phases.py --specs retnet --shape 2,16384,16,128 --detail 14 --out "$OUT/prof" \
  2>&1 | grep -v -i warn | tail -20
