#!/usr/bin/env bash
# Session 49, call 1 (one GPU; device time was short: the loan failed to start five times, 90 s each). The part of
# next_first_call.sh that decides a default, plus Based: the GPU test of the streams' reordering; Mamba-2 at
# 2x16384x16x128 with session 48's paired reads, with and without the second stream (each variant in its own process,
# checked at gate x1 and x10 first; the baseline row also times session 47-48's untimed default-on changes, against
# session 47's 4.534 ms and 3096 MB); Based (new: derived dims and the cat/kron feature map, F = 273 at K = 16)
# checked in bf16 and timed against fla's parallel_based and SDPA; the pair's checks on Lightning and linear
# attention. About 8.5 minutes: timeout_s 590.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 45 python3 -m pytest -q -n 8 -p no:cacheprovider -k "rescan_state_pass_first" tests/test_triton_interpret.py > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 250 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "PAIR_READS=1,BWD_STREAMS=1;PAIR_READS=1" --budget 190 --out "$OUT/m2_pair" 2>&1 | quiet | tail -12
echo "mamba2 done at ${SECONDS}s"
timeout 170 python3 benchmarks/based_bench.py --shapes 8x2048x16x16x64,2x8192x16x16x64,1x16384x16x16x64 2>&1 \
  | quiet | tee "$OUT/based.txt"
echo "based done at ${SECONDS}s"
CHECK_TIMEOUT=40 checks "pair:" "lightning:1 linear_attn:1" LINDSL_TUNE_PAIR_READS=1
echo "all done at ${SECONDS}s"
