#!/usr/bin/env bash
# The next session's first device call (nvidia-h200, one GPU, about 9 minutes), written in session 30; see NOTES.md
# v31's order.
# 1. Issue 4's table for KDA and RWKV-7, whose rows (session 24) predate the read constants, the gate gradient's
#    kernel, REV_GATES and sessions 25-29's read changes (the checks ride with the h16 group);
# 2. the key gate's boundary rows made by the rescan's state pass (BOUNDARY_IN_PASS=1, written in session 30, never
#    run on a GPU: ptxas sm_90 without spills in four warps) against the boundary pass, GLA, Mamba-2 and RWKV-6 at
#    2x16384x16x128, each variant in its own process, checks at gate x1 and x10 first (predicted: GLA about
#    -0.07 ms, one launch and one read of the rescan's bf16 chunk states fewer; Mamba-2's pass moves from two warps
#    to four, which may cost or gain on its own).
# The second call: DeltaNet's, Gated DeltaNet's, RetNet's and Mamba-2's rows, then GLA's, HGRN2's and RWKV-6's with
# BOUNDARY_IN_PASS decided.
set -u
TABLE_GPU0="kda:kda rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=290 JOB_TIMEOUT=330 \
  MAX_PROCS=8 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
[ "$SECONDS" -lt 400 ] && timeout $((585 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate \
  --specs gla,mamba2,rwkv6 --variants "BOUNDARY_IN_PASS=1" --bench-shape 2,16384,16,128 \
  --budget $((570 - SECONDS)) --out "$OUT/boundary" 2>&1 | grep -A8 "^variant sweep, each"
echo "A/B done at ${SECONDS}s"
true
