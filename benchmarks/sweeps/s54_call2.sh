#!/usr/bin/env bash
# Session 54's second GPU sweep, for a later call (about 9 minutes, timeout_s 560). (1) bf16 products of two loaded bf16
# tiles in the backward's reads without rank-one factors (LINDSL_TUNE_R0_TILE_BF16=1, _tile_prec: a bf16 value is
# exact in tf32, so the products are the same and the sums fp32 either way; the products with the fp32 chunk states
# stay tf32). Measured only for the chunk-level adjoint's reads (session 41: Gated DeltaNet forward+backward 8.305 ->
# 8.152 ms at 2x16384x16x128); off for Mamba-2's and RetNet's reads, whose backward's three reads take 1.75 ms of
# Mamba-2's 4.15 there (session 53, call 3). (2) The rows prologue's sums of the key gate within chunks (session 54,
# the default: one launch fewer per forward, the prologue in blocks of 64 tokens of one sequence on eight warps
# instead of 16 (token, head) rows on four) against the scan's own _chunk_cumsum_kernel (PROLOGUE_CUM=0). Each
# variant in its own process, checked at gate x1 and x10 first.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
for s in mamba2 retnet; do
  timeout 260 python3 benchmarks/variant_sweep.py --isolate --specs $s --bench-shape 2,16384,16,128 \
    --variants "R0_TILE_BF16=1;PROLOGUE_CUM=0" --budget 210 --out "$OUT/${s}_s54" 2>&1 | quiet | tail -5
  echo "$s done at ${SECONDS}s"
done
echo "all done at ${SECONDS}s"
