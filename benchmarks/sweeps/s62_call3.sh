#!/usr/bin/env bash
# Session 62's last call (one GPU, about 4 minutes, timeout_s 300; at 176 s, call 3, it warmed both libraries and
# timed nothing): RWKV-7's table rows at 4x4096x64x128 and 2x16384x16x128 on the current code (its backward now the
# chunk-level adjoint, the gate sums made once) against fla and SDPA, checked at gate x1 and x10 first.
set -u
export TRITON_INTERPRET=0
nvidia-smi --query-gpu=name --format=csv,noheader
TABLE_GPU0="rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 TABLE_SHAPES="h16:4,4096,64,128;2,16384,16,128" \
  CHECK_SHAPE=2,4096,8,128 DEADLINE=170 JOB_TIMEOUT=215 timeout 220 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
