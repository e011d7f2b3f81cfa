#!/usr/bin/env bash
# The second device call of the next session (nvidia-h200, about 8 minutes): KDA's and RWKV-7's table rows with
# session 23's rule for the forward's decayed state pass (and whatever the first call made default), fla's five
# shapes in one wave of eight processes, checks at gate x1 and x10; then Gated DeltaNet by kernel at
# 2x16384x16x128; KDA by kernel with LINDSL_TUNE_STATE_DECAYED=2 if time is left (why decayed sources slowed
# session 22's tf32 passes).
set -u
TABLE_GPU0="kda:kda rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=270 JOB_TIMEOUT=330 MAX_PROCS=8 \
  bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 360 ] && timeout $((445 - SECONDS)) python3 benchmarks/profile_phases.py \
  --specs gated_deltanet --shape 2,16384,16,128 --detail 16 --out "$OUT/prof_gdn" 2>&1 | grep -v -i warn \
  | grep -E -A16 "^gated_deltanet (lindsl|fla) (fwd|fb)" | grep -v "^--" | head -40
[ "$SECONDS" -lt 430 ] && LINDSL_TUNE_STATE_DECAYED=2 timeout $((545 - SECONDS)) python3 benchmarks/profile_phases.py \
  --specs kda --shape 2,16384,16,128 --detail 16 --out "$OUT/prof_kda_decayed2" 2>&1 | grep -v -i warn \
  | grep -E -A16 "^kda lindsl fb" | head -20
true
