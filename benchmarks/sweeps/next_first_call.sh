#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200-x2, about 9 minutes). Session 9's last call found, for
# GLA's phases at 2x16384x16x128 without checks: READ_BO=128 (read-out value blocks of 128) reads 0.41 -> 0.30 ms
# forward, 4.34 -> 3.67 forward+backward; SUB_GATED_WARPS=2 (gated read-out) 4.34 -> 3.90 forward+backward. sm_90
# (aot_check): both together spill 308-316 B in two gated read-out variants; each alone does not. Also written
# after the calls: SUB_DIAG_PARTS=2, the diagonal pair scores in two groups of 8 rows, the lower-left group through a
# reference row (44 % fewer exponentials; the diagonal kernel takes 0.59 of GLA's 2.55 ms forward at 2x16384);
# sm_90 registers 151 -> 118 at most, no spills; interpreter tests against fp64. And CUM=kernel: the per-dimension
# gates' within-chunk sums in one kernel per scan instead of four PyTorch passes (GLA: about 2.5 GB less traffic).
#   GPU 0: the library specs the table does not check (MoM, Lightning, normalized linear attention, SSE) and six
#          random compositions; then READ_BO=128 for the specs whose reads use other kernels (checked A/B).
#   GPU 1: the per-dimension-gate families, each variant checked (gate x1 and x10) and timed at 4x8192x16x128;
#          then GLA's phases with the diagonal groups and with all three together (unchecked).
set -u
JOB_TIMEOUT=${PHASE_A:-540} TAIL_LINES=40 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/gpu_suite.py --out \$OUT --specs mom_gated_deltanet,lightning,linear_attn_normalized,sse_gla --check-shape '2,4096,8,128' --random 6 --bench-shapes '' --watchdog 200 && python3 benchmarks/variant_sweep.py --out \$OUT/bo --specs hgrn2,gated_deltanet,deltanet,retnet,mamba2 --variants 'READ_BO=128' --budget 220" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs gla,rwkv6,kda,rwkv7 --variants 'READ_BO=128;SUB_GATED_WARPS=2;SUB_DIAG_PARTS=2;CUM=kernel' --budget 420 && python3 benchmarks/phase_sweep.py --out \$OUT/ph --specs gla --budget 60 --variants 'SUB_DIAG_PARTS=2;CUM=kernel;READ_BO=128,SUB_GATED_WARPS=2,SUB_DIAG_PARTS=2,CUM=kernel'"
