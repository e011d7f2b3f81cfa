#!/usr/bin/env bash
# Session 11, call 3 (nvidia-h200-x2, about 4 minutes):
#   g0: the host's share of small shapes (benchmarks/host_overhead.py): call 2 measured RetNet 4x2048x16x128
#       forward+backward 4.0-6.0 ms against 9.5 at 4x4096x64x128, i.e. a fixed cost of about 2-3 ms, likely the host
#   g1: DeltaNet's peak memory for 90dd290 (installed from .old90 into /tmp/oldsite) and for this tree, then the
#       value-block sweep's missing shape (2x16384x16x128) for RetNet and Mamba-2
set -u
JOB_TIMEOUT=${PHASE_A:-230} TAIL_LINES=80 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/host_overhead.py --out \$OUT/host" \
  "r=\$PWD; python3 -m pip install -q --no-deps --no-build-isolation --no-compile --target /tmp/oldsite ./.old90 && (cd /tmp && LINDSL_CACHE=/tmp/lc_old PYTHONPATH=/tmp/oldsite:\$PYTHONPATH python3 \$r/benchmarks/mem_trace.py --spec deltanet --out \$OUT/mem_old --top 12) ; python3 benchmarks/mem_trace.py --spec deltanet --out \$OUT/mem_head --top 12; python3 benchmarks/variant_sweep.py --out \$OUT/bv --specs retnet,mamba2 --bench-shape 2,16384,16,128 --variants 'STATE_BV=32;STATE_BV=64' --budget 110"
