#!/usr/bin/env bash
# Calls for the next session (one GPU, about 8 minutes each, timeout_s 590), written in session 64 after KDA's
# trace beside fla's (RESULTS "Session 64"): KDA's variants at 4x4096x64x128, each in its own process, checked at
# gate x1 and x10 (400 s of the call), the variants as the argument (variant_sweep.py's --variants; two fit):
#   bash benchmarks/sweeps/next_kda.sh "STATE_BV=64;STATE_BV=16"
#     the state passes: the forward's took 1.340 ms against fla's 0.601 (1024 programs of 32-wide value blocks at
#     236 registers against fla's 512 of 64-wide at 158), the rescan's 1.595, the adjoint's 3.048 against fla's dh
#     0.930 (255 registers, 127 KB of shared memory); STATE_BV sets every pass's value block (session 23 measured
#     32 against 16 for the forward only, before the launch order put a sequence's blocks next to each other);
#   bash benchmarks/sweeps/next_kda.sh "ROWS_WARPS=4;PROLOGUE_CUM=0"
#     the forward's prologue: 1.359 ms against fla's two l2norms and cumsum 0.691 (one program per chunk of 64 rows
#     on eight warps, 181 registers, occupancy 13 %; it writes the gate's inclusive and exclusive sums in fp32);
#     four warps, or the sums left to the scan's _chunk_cumsum_kernel (the prologue in blocks of 16 rows).
# Then, while the call has time, each variant by launch (launch_trace.py, lindsl only, launches of 300 us or more):
# a knob such as STATE_BV moves every state pass, and the end-to-end time cannot tell which pass gained.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 415 python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 4,4096,64,128 \
  --variants "$1" --budget 400 --out "$OUT/kda_variants" 2>&1 | quiet | grep -v "^variant sweep" | tail -6
IFS=';' read -r -a VARIANTS <<< "$1"
for v in "" "${VARIANTS[@]}"; do  # the defaults first: a baseline on the same GPU
  [ "$SECONDS" -lt 480 ] || break
  IFS=',' read -r -a KNOBS <<< "$v"
  echo "trace ${v:-default}:"
  env "${KNOBS[@]/#/LINDSL_TUNE_}" timeout $((580 - SECONDS)) python3 benchmarks/launch_trace.py --specs kda \
    --shape 4,4096,64,128 --min-us 300 --out "$OUT/trace_$(echo "${v:-default}" | tr -c "A-Za-z0-9\n" _)" 2>&1 | quiet | head -30
done
echo "all done at ${SECONDS}s"
