#!/usr/bin/env bash
# Session 31, call 2 (nvidia-h200, one GPU, about 9.5 minutes):
# 1. issue 4's table rows of RetNet, Mamba-2, DeltaNet and Gated DeltaNet (sessions 25-26's rows predate the read
#    constants, REV_GATES, the gate gradient's kernel for every spec and ADDED_READ_GRADS), checks with the h16 group;
# 2. Mamba-2's kernels by launch at 2x16384x16x128 with the key gate's boundary rows made by the boundary pass
#    (default) and by the rescan's state pass (BOUNDARY_IN_PASS=1): call 1 timed Mamba-2's forward+backward at
#    8.02 ms (default) and 7.29 (BOUNDARY_IN_PASS=1) against 4.96 in session 28's A/B with the same peak, while GLA
#    and RWKV-6 lost 0.23 ms with the knob; the kernel sums tell the kernels from the host;
# 3. if time is left, Mamba-2's host time per call and its synchronising calls (host_overhead.py).
set -u
TABLE_GPU0="sgla:retnet,mamba2 dn:deltanet gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=300 \
  JOB_TIMEOUT=450 MAX_PROCS=12 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
for b in 0 1; do
  left=$((585 - SECONDS)); [ "$left" -lt 40 ] && break
  LINDSL_TUNE_BOUNDARY_IN_PASS=$b timeout $((left < 75 ? left : 75)) python3 benchmarks/launch_trace.py \
    --specs mamba2 --out "$OUT/trace$b" > "$OUT/trace$b.log" 2>&1
  echo "BOUNDARY_IN_PASS=$b:"; grep "launches" "$OUT/trace$b.log"
done
echo "traces done at ${SECONDS}s"
left=$((590 - SECONDS))
if [ "$left" -gt 60 ]; then
  timeout "$left" python3 benchmarks/host_overhead.py --specs mamba2 --shapes 2,16384,16,128 --variants "" \
    --out "$OUT/host" > "$OUT/host.log" 2>&1
  grep -A3 "^host overhead" "$OUT/host.log"
fi
echo "host done at ${SECONDS}s"
true
