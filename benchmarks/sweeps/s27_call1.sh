#!/usr/bin/env bash
# Session 27, call 1 (nvidia-h200, one GPU, about 9 minutes), written in session 26 as next_first_call.sh; see NOTES.md
# Before the call, on the CPU machine, unpack session 18's engine next to the current one (untracked, so the device
# tool copies it; delete it after the call):
#   mkdir -p old_tree && git archive 7c5f568 lindsl codegen library grammar | tar -x -C old_tree
# 1. ADDED_READ_GRADS (on since 7317b04, not timed): an added read's gradient back in bf16 against autograd's fp32
#    (=0), Mamba-2 and RWKV-6 at 2x16384x16x128, each form in its own process; predicted for Mamba-2 from session
#    25's trace: its adjoint pass 0.632 -> about 0.45 ms, the flipped dO 128 -> 64 us;
# 2. GLA's forward+backward by launch with session 18's engine (old_tree) and with the current one beside fla's:
#    GLA, HGRN2 and RWKV-6 are 2-10 % slower than session 18's rows (session 26, calls 2-3), registers and shared
#    memory of GLA's kernels the same but for two registers in one sub-chunk kernel (ptxas, sm_90).
set -u
timeout 330 python3 benchmarks/variant_sweep.py --isolate --specs mamba2,rwkv6 --variants "ADDED_READ_GRADS=0" \
  --bench-shape 2,16384,16,128 --budget 300 --out "$OUT/added" 2>&1 | grep -A5 "^variant sweep, each"
echo "A/B done at ${SECONDS}s"
if [ -d old_tree/lindsl ]; then
  (cd old_tree && for d in codegen library grammar; do ln -sfn ../$d lindsl/$d; done)
  OLD="$PWD/old_tree"
  (cd /tmp && PYTHONPATH="$OLD:${PYTHONPATH-}" python3 -c "import lindsl; print('old engine from', lindsl.__file__)")
  PYTHONPATH="$PWD/old_tree:${PYTHONPATH-}" LINDSL_CACHE=/tmp/lindsl_cache_s18 timeout 120 python3 \
    benchmarks/launch_trace.py --specs gla --shape 2,16384,16,128 --out "$OUT/trace_s18" 2>&1 | grep -v -i warn | head -48
fi
echo "old trace done at ${SECONDS}s"
[ "$SECONDS" -lt 470 ] && timeout $((585 - SECONDS)) python3 benchmarks/launch_trace.py --fla --specs gla \
  --shape 2,16384,16,128 --out "$OUT/trace_now" 2>&1 | grep -v -i warn | head -100
true
