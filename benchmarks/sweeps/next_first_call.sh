#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200-x2, about 5 minutes), for what session 10 wrote after its
# last call:
#   - LINDSL_TUNE_ADJ_REVERSE=1 (opt-in): the backward's adjoint scan reads the forward's tensors from the far end
#     (chunk_scan_triton's reverse) instead of flipped copies, for specs without rank-one factors. Predicted from
#     session 9's glue analysis: GLA about -0.6 ms of 10.4 forward+backward at 4x8192x16x128. Checked A/B here.
#   - the value blocks of 16 for scalar-key-gate state passes narrowed to idle-SM shapes and K <= 128, and the
#     backward dropping the adjoint's inputs and (without gates) its chunk states before the rescan: unmeasured.
#     RetNet and Mamba-2 at the shapes where the rule changed, and DeltaNet's peak memory (7374 MB at 2x16384).
# Then run table_call.sh as the second call if ADJ_REVERSE wins (with LINDSL_TUNE_ADJ_REVERSE=1 made the default).
set -u
JOB_TIMEOUT=${PHASE_A:-300} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/variant_sweep.py --out \$OUT/rev --specs gla,rwkv6,retnet,mamba2 --variants 'ADJ_REVERSE=1' --budget 240" \
  "python3 benchmarks/variant_sweep.py --out \$OUT/big --specs retnet,mamba2 --bench-shape 4,4096,64,128 --variants 'STATE_BV=64' --budget 120 && python3 benchmarks/variant_sweep.py --out \$OUT/mem --specs deltanet --bench-shape 2,16384,16,128 --variants '' --budget 60"
