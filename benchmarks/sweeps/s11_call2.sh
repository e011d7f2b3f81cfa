#!/usr/bin/env bash
# Session 11, call 2 (nvidia-h200-x2, about 6 minutes):
#   g0: DeltaNet's peak memory at 2x16384x16x128 broken down (benchmarks/mem_trace.py) for this tree and for 90dd290
#       (session 10's table commit, unpacked in .old90): call 1 measured 8270 MiB against the table's 7374;
#       then the value-block width of scalar-key-gate state passes for RetNet over four shapes
#   g1: the same width sweep for Mamba-2
# (call 1: STATE_BV=64 took RetNet's forward+backward at 4x4096x64x128 9.74 -> 9.47 ms, Mamba-2's 12.86 -> 12.53)
set -u
shapes="4,2048,16,128 4,4096,64,128 1,8192,96,128 2,16384,16,128"
sweep() { for s in $shapes; do python3 benchmarks/variant_sweep.py --out "$OUT/bv_$1_${s//,/x}" --specs "$1" --bench-shape "$s" --variants 'STATE_BV=16;STATE_BV=32;STATE_BV=64' --budget 100; done; }
export -f sweep; export shapes
JOB_TIMEOUT=${PHASE_A:-380} TAIL_LINES=60 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/mem_trace.py --spec deltanet --out \$OUT/mem_head; (cd .old90 && LINDSL_CACHE=/tmp/lc_old PYTHONPATH=\$PWD:\$PYTHONPATH python3 -c 'import lindsl; print(lindsl.__file__)' && LINDSL_CACHE=/tmp/lc_old PYTHONPATH=\$PWD:\$PYTHONPATH python3 ../benchmarks/mem_trace.py --spec deltanet --out \$OUT/mem_old); sweep retnet" \
  "sweep mamba2"
