#!/usr/bin/env bash
# Session 66, call 2 (one GPU, timeout_s 590): Gated DeltaNet's and DeltaNet's forward+backward by launch beside
# fla's at 4x4096x64x128 (fla's configs pinned) on the current code. The last such trace (session 59, before the
# launch order and session 63's adjoint defaults) put Gated DeltaNet's backward 4.3 ms over fla's: the adjoint pass
# 2.48 against dhu's 0.95, the WY backward 2.41 against 1.05; which of them is still far is the next lever's choice.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
nvidia-smi --query-gpu=name --format=csv,noheader
timeout 290 python3 benchmarks/launch_trace.py --specs gated_deltanet --fla --shape 4,4096,64,128 --min-us 40 \
  --out "$OUT/trace_gdn" 2>&1 | quiet | head -70
echo "gdn done at ${SECONDS}s"
timeout $((585 - SECONDS)) python3 benchmarks/launch_trace.py --specs deltanet --fla --shape 4,4096,64,128 --min-us 40 \
  --out "$OUT/trace_dn" 2>&1 | quiet | head -70
echo "all done at ${SECONDS}s"
