#!/usr/bin/env bash
# A call for the next session (one GPU, about 8 minutes, timeout_s 590), written in session 64 after KDA's trace
# beside fla's (RESULTS "Session 64"): KDA's forward prologue took 1.359 ms against fla's two l2norms and cumsum
# 0.691 at 4x4096x64x128 (one program per chunk of 64 rows on eight warps, 181 registers, occupancy 13 %; it writes
# the gate's inclusive and exclusive sums in fp32). Variants, each in its own process, checked at gate x1 and x10:
# four warps; the gate's sums left to the scan's _chunk_cumsum_kernel (PROLOGUE_CUM=0: the prologue in blocks of 16
# rows, one launch more).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 575 python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 4,4096,64,128 \
  --variants "ROWS_WARPS=4;PROLOGUE_CUM=0" --budget 560 --out "$OUT/kda_prologue" 2>&1 \
  | quiet | grep -v "^variant sweep" | tail -6
echo "all done at ${SECONDS}s"
