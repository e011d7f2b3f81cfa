#!/usr/bin/env bash
# Session 27, call 2 (nvidia-h200, one GPU, about 8 minutes):
# 1. the gated read-outs' diagonal blocks by 8-row halves (DIAG_HALVES=1: 10 exponentials per returned element and
#    reader row instead of 16) and whole chunks per program (GATED_ROWS=64), GLA at 2x16384x16x128 (call 1: its two
#    gated read-outs 1.44 ms each, session 18's engine 1.33); KDA (whole chunks, two readers a launch) with the
#    halves; each variant in its own process, checks at gate x1 and x10;
# 2. Mamba-2 by launch with ADDED_READ_GRADS=1 (default) and =0 (call 1: forward+backward 5.696 against 5.178 ms,
#    the prediction was a gain; RWKV-6 gained: 11.770 -> 11.329);
# 3. Nsight Compute on one launch of GLA's gated read-out and of fla's chunk_gla_bwd_kernel_intra (whether ncu
#    reads counters on this machine's runtime is not known: it fails at once on gVisor).
set -u
timeout 260 python3 benchmarks/variant_sweep.py --isolate --specs gla \
  --variants "DIAG_HALVES=1;GATED_ROWS=64;GATED_ROWS=64,DIAG_HALVES=1" --bench-shape 2,16384,16,128 --budget 220 \
  --out "$OUT/gla" 2>&1 | grep -A5 "^variant sweep, each"
echo "A/B 1 done at ${SECONDS}s"
[ "$SECONDS" -lt 300 ] && timeout 150 python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "DIAG_HALVES=1" --bench-shape 2,16384,16,128 --budget 120 --out "$OUT/kda" 2>&1 \
  | grep -A3 "^variant sweep, each"
echo "A/B 2 done at ${SECONDS}s"
for v in 1 0; do
  [ "$SECONDS" -lt 470 ] && LINDSL_TUNE_ADDED_READ_GRADS=$v timeout 60 python3 benchmarks/launch_trace.py \
    --specs mamba2 --shape 2,16384,16,128 --out "$OUT/mamba2_arg$v" 2>&1 | grep -v -i warn | head -40
done
echo "traces done at ${SECONDS}s"
NCU=$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -1)
SECTIONS="--section SpeedOfLight --section WarpStateStats --section SchedulerStats --section ComputeWorkloadAnalysis --section Occupancy --section MemoryWorkloadAnalysis --section LaunchStats"
for who in lindsl fla; do
  k=$([ $who = lindsl ] && echo _read_amat_gated || echo chunk_gla_bwd_kernel_intra)
  [ "$SECONDS" -lt 530 ] && [ -n "$NCU" ] && timeout $((590 - SECONDS)) "$NCU" --clock-control none \
    --profile-from-start off -k "regex:$k" --launch-count 1 $SECTIONS \
    python3 benchmarks/ncu_one.py --spec gla --who $who > "$OUT/ncu_$who.txt" 2>&1
  grep -E "ncu|==PROF==|ERR|Duration|Throughput|Executed Ipc|Issue Slots|Issued Warp|No Eligible|Active Warps|Eligible Warps|Warp Cycles Per|Achieved Occupancy|Registers Per|Theoretical Occ|Block Limit|Stall|L1/TEX Hit|L2 Hit" \
    "$OUT/ncu_$who.txt" 2>/dev/null | head -45
done
true
