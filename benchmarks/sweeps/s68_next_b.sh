#!/usr/bin/env bash
# The next session's second call (one GPU; argument: the call's timeout_s, default 590), written in session 68:
# (1) KDA's forward prologue (1.359 ms against fla's 0.691 in session 64's trace; eight warps, 13 % occupancy, the
#     gate's inclusive and exclusive sums written in fp32): on four warps, or the sums left to the scan
#     (ROWS_WARPS=4; PROLOGUE_CUM=0), and its gated read-outs' products in bf16 (GATED_PREC=bf16, built in session
#     68: they multiply in tf32), each in its own process against the default, 4x4096x64x128;
# (2) KDA's gated read-out under Nsight Compute (one launch of _read_amat_gated_kernel, the first: 7.05 ms in
#     session 64's trace, more than fla's whole wy_dqkg_fused): speed of light, warp states, occupancy, memory.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
LIMIT=${1:-590}
nvidia-smi --query-gpu=name --format=csv,noheader
variants 260 kda "ROWS_WARPS=4;PROLOGUE_CUM=0;GATED_PREC=bf16" kda_variants
echo "variants done at ${SECONDS}s"
if fits 150 && command -v ncu > /dev/null; then
  timeout 150 ncu --clock-control none --profile-from-start off -k regex:_read_amat_gated --launch-count 1 \
    --section SpeedOfLight --section WarpStateStats --section Occupancy --section MemoryWorkloadAnalysis \
    --section LaunchStats python3 benchmarks/ncu_one.py --spec kda --shape 4,4096,64,128 --who lindsl \
    > "$OUT/ncu_kda_gated.txt" 2>&1
  grep -E "Duration|Throughput|Occupancy|Registers|Block Size|Grid Size|Shared Memory|Stall|L1|L2|DRAM|Warp Cycles" \
    "$OUT/ncu_kda_gated.txt" | head -45
fi
echo "all done at ${SECONDS}s"
