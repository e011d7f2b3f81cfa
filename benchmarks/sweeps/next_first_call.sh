#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200-x2, about 9 minutes), for what session 6 changed without a
# GPU run (benchmarks/NOTES.md, v8):
#   GPU 0: the whole library's checks with the current defaults, gate x1 and x10, plus four random compositions.
#          New since the last check: unfused forward reads for rank-one specs (RWKV-7 and MoM not yet run with
#          them), the delta-rule fold in the read kernels (DeltaNet, Gated DeltaNet, MoM) and in MoM's state pass.
#   GPU 1: the backward's PyTorch glue through torch.compile (LINDSL_TUNE_BWD_GLUE=compiled, opt-in; the profiles
#          put that glue at 3-11 ms of every backward), every variant checked at gate x1 and x10 in the same run.
# Then `next_second_call.sh` (the rank-one state pass's latency knobs), `table_call.sh` (about 4 minutes now that
# fla's configs load from benchmarks/fla_configs.json) and `profile_call.sh` with what is kept.
set -u
JOB_TIMEOUT=${PHASE_A:-520} TAIL_LINES=45 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/gpu_suite.py --out \$OUT --check-shape '2,4096,8,128' --random 4 --bench-shapes '' --watchdog 200" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs retnet,mamba2,gla,rwkv6,deltanet,gated_deltanet,kda,rwkv7 --variants 'BWD_GLUE=compiled' --budget 470"
