#!/usr/bin/env bash
# The next session's first call (one H200), written in session 48 (no device lent: everything below is untimed).
# About 9.5 minutes: timeout_s 590.
# The paired backward reads (LINDSL_TUNE_PAIR_READS=1, off by default): for a state with one input pair and a scalar
# or no key gate (Mamba-2, RetNet, Lightning, linear attention) the backward's three reads (the adjoint's dk = dS v and
# dv = dS^T k, the rescan's dx = S dO) and Mamba-2's gate boundary sums in one kernel per chunk and sequence
# (_paired_read_kernel: the scores dO v^T once for dx and dk, as fla's dqkwg; x k^T for dv), after the two state passes,
# which then run alone. Session 47's Mamba-2 trace at 2x16384x16x128: reads 0.58 + 0.62 + 0.57 ms and the boundary
# pass 0.25 against fla's dqkwg 0.84 + dv 0.32; predicted about 1.1-1.2 ms for the kernel (1.8 ms less). ptxas (sm_90,
# bf16): 232 registers at eight warps, 64-wide key and 32-wide value blocks, no spill (215 without dv, PAIR_DV=0).
# With the adjoint's dv in the kernel both backward scans are state passes alone (a chain of chunks over about one
# program per SM each: 0.45 and 0.44 ms in session 47's trace, tf32, 255 registers); BWD_STREAMS=1 runs the rescan's
# pass beside the adjoint's scan on a second CUDA stream (also without the pair: RESCAN_FIRST, its reads from the
# stored states after the adjoint). The GPU test of that runs first (-k rescan_state_pass_first: the streams' bits
# against one stream's, six specs). PAIR_DV=0 (dv left to the adjoint's scan) is for a later call, if the pair wins.
# Each variant in its own process (variant_sweep.py --isolate: at these sizes the backward's glue is compiled, and a
# variant that changes it recompiles with dynamic shapes in a shared process), each checked at gate x1 and x10 first.
# Also session 47's untimed dtype changes and session 48's (the rows backward passes the read's cotangent on): the
# baseline row, against session 47's 4.534 ms and 3096 MB (mem_cpu: 2838 -> 2710 MB), and v's one gradient (no
# autograd add). RetNet's pair: mem_cpu +126 MB (its bf16 state sets alive together).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 60 python3 -m pytest -q -n 8 -p no:cacheprovider -k "rescan_state_pass_first" tests/test_triton_interpret.py > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 360 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --bench-shape 2,16384,16,128 \
  --variants "PAIR_READS=1;PAIR_READS=1,BWD_STREAMS=1;BWD_STREAMS=1" --budget 280 \
  --out "$OUT/m2_pair" 2>&1 | quiet | tail -14
echo "mamba2 done at ${SECONDS}s"
timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs retnet --bench-shape 2,16384,16,128 \
  --variants "PAIR_READS=1,BWD_STREAMS=1" --budget 90 --out "$OUT/rn_pair" 2>&1 | quiet | tail -6
echo "retnet done at ${SECONDS}s"
CHECK_TIMEOUT=40 checks "pair:" "lightning:1 linear_attn:1" LINDSL_TUNE_PAIR_READS=1
echo "all done at ${SECONDS}s"
