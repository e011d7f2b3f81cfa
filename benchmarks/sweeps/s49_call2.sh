#!/usr/bin/env bash
# Session 49, call 2 (one GPU): Based (library/based.lin, new this session: derived dims, cat/kron feature map,
# F = 273 at K = 16) checked in bf16 against the fp64 engine and timed against fla's parallel_based and SDPA; then
# session 48's BWD_STREAMS for GLA and HGRN2 (each variant in its own process) and Mamba-2's launches with the pair
# and streams on. About 9 minutes: timeout_s 590.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 240 python3 benchmarks/based_bench.py 2>&1 | quiet | tee "$OUT/based.txt"
echo "based done at ${SECONDS}s"
timeout 200 python3 benchmarks/variant_sweep.py --isolate --specs gla,hgrn2 --bench-shape 2,16384,16,128 \
  --variants "BWD_STREAMS=1" --budget 150 --out "$OUT/gla_streams" 2>&1 | quiet | tail -6
echo "streams done at ${SECONDS}s"
LINDSL_TUNE_PAIR_READS=1 LINDSL_TUNE_BWD_STREAMS=1 timeout 100 python3 benchmarks/launch_trace.py --specs mamba2 \
  --shape 2,16384,16,128 --min-us 20 --out "$OUT/trace_pair" 2>&1 | quiet | tail -30
echo "all done at ${SECONDS}s"
