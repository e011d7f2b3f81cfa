#!/usr/bin/env bash
# Session 24, call 3 (nvidia-h200, one GPU, about 9 minutes):
# 1. KDA's and RWKV-7's table rows (the forward's decayed-pass rule of session 23 and everything since), fla's five
#    shapes in one wave of eight processes, checks at gate x1 and x10;
# 2. the delta rule's du = -s dv read from dv with its rows scaled in the read kernel (FOLD_IN_READS, default)
#    against the scaled copy (FOLD_IN_READS=0): Gated DeltaNet at 2x16384x16x128, each variant in its own process;
# 3. the backward's adjoint state pass (rank-one, unfolded; tf32 with a scalar gate, bf16 without) by launch
#    configuration at 2x16384x16x128 and 4x4096x64x128, each configuration's states checked against the default's.
set -u
TABLE_GPU0="kda:kda rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=270 JOB_TIMEOUT=330 MAX_PROCS=8 \
  bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 360 ] && timeout $((500 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate \
  --specs gated_deltanet --variants "FOLD_IN_READS=0" --bench-shape 2,16384,16,128 --budget $((480 - SECONDS)) \
  --out "$OUT/fold" 2>&1 | grep -A3 "^variant sweep, each"
echo "A/B done at ${SECONDS}s"
[ "$SECONDS" -lt 480 ] && timeout $((570 - SECONDS)) python3 benchmarks/state_pass_sweep.py --rank-one \
  --cases scalar:adj,none:adj --shapes '2,16384,16,128;4,4096,64,128' --budget $((545 - SECONDS)) --out "$OUT/adj" 2>&1 | grep -v -i warn | tail -12
true
