#!/usr/bin/env bash
# Session 22, call 3 (nvidia-h200, one GPU, at most 7.5 minutes: the budget left): KDA's and RWKV-7's table rows with session 22's
# defaults (the read's pair scores made with the WY system's, SHARED_SCORES; a forward without autograd with its
# state pass's sources decayed by the WY system's kernel, STATE_DECAYED), fla's five shapes in one wave, checks at
# gate x1 and x10; then Gated DeltaNet by kernel at 2x16384x16x128 (lindsl's forward and forward+backward with the
# 16 most expensive kernels, fla's by phase), the lowest ratio of the table (0.40-0.42x forward+backward).
set -u
TABLE_GPU0="kda:kda rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=270 JOB_TIMEOUT=330 MAX_PROCS=8 \
  bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 360 ] && timeout $((445 - SECONDS)) python3 benchmarks/profile_phases.py \
  --specs gated_deltanet --shape 2,16384,16,128 --detail 16 --out "$OUT/prof_gdn" 2>&1 | grep -v -i warn \
  | grep -E -A16 "^gated_deltanet (lindsl|fla) (fwd|fb)" | grep -v "^--" | head -40
true
