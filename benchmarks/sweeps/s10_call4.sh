#!/usr/bin/env bash
# Session 10, call 4 (nvidia-h200-x2, about 4 minutes): checked A/Bs (gate x1 and x10, 2x4096x8x128; timed at
# 4x8192x16x128) of two changes made after call 3, both on by default:
#   WY_REUSE: the backward's rescan takes the forward's W and U0 instead of solving the WY system again (one of
#             three solves per forward+backward; +2 bf16 [T, D] tensors per head kept from forward to backward);
#   SUB_PLAIN: a sub-chunked read whose contracted side has no gate (GLA's, RWKV-6's and HGRN2's value-side reads
#             in the backward, KDA's and RWKV-7's value-side reads) computes its pair scores as one masked
#             product per chunk instead of the block-pair and diagonal kernels made for decays.
set -u
JOB_TIMEOUT=260 TAIL_LINES=30 bash benchmarks/run_parallel.sh \
  "python3 benchmarks/variant_sweep.py --out \$OUT/wy --specs gated_deltanet,deltanet --variants 'WY_REUSE=0' --budget 100 && python3 benchmarks/variant_sweep.py --out \$OUT/plain --specs gla,rwkv6,hgrn2 --variants 'SUB_PLAIN=0' --budget 110" \
  "python3 benchmarks/variant_sweep.py --out \$OUT --specs kda,rwkv7 --variants 'WY_REUSE=0;SUB_PLAIN=0' --budget 200"
