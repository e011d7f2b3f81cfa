#!/usr/bin/env bash
# Session 11, call 4 (nvidia-h200-x2, about 2 minutes): where the host's time goes in one forward+backward
# (call 3: RetNet 1x64x1x128, a negligible GPU load, takes 3.0 ms forward+backward, all of it host time; 41 kernels)
# cProfile over 100 calls and the profiler's CPU time per operator, default glue and eager glue
set -u
JOB_TIMEOUT=${PHASE_A:-150} TAIL_LINES=20 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/host_overhead.py --out \$OUT/host --specs retnet,gla --shapes '1,64,1,128' --variants 'BWD_GLUE=eager,PROLOGUE=eager,EPILOGUE=eager'" \
  "python3 benchmarks/host_overhead.py --out \$OUT/host --specs deltanet,gated_deltanet --shapes '1,64,1,128' --variants 'BWD_GLUE=eager,PROLOGUE=eager,EPILOGUE=eager'"
