#!/usr/bin/env bash
# Session 19, call 5 (nvidia-h200, one GPU, about 2 minutes): why the token layout's forward enqueues slower than the
# rows (call 3: host 0.737 / 0.907 ms against 0.578) while cProfile finds its Python faster (1.09 against 1.36 ms per
# call): the CUDA runtime calls per forward (allocations, copies, synchronisations the sync debug mode misses) and
# each call's enqueue time, for Mamba-2 and RetNet at 2x16384x16x128 in both layouts.
set -u
timeout 200 python3 benchmarks/host_overhead.py --specs mamba2,retnet --shapes 2,16384,16,128 \
  --variants "TOKEN_LAYOUT=0" --profile fwd --out "$OUT/host" 2>&1 | grep -v -i "warn\|prototype" | grep -v "^ *File\|^    " | head -90
