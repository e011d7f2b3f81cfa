#!/usr/bin/env bash
# Session 52, second call (one GPU; the first call's A/B processes, host_ab.py with fla, each took over 170 s and
# printed nothing). About 6 minutes: timeout_s 480.
# (1) The fast launch's GPU tests (a CPU tensor after the plans exist is refused; the fused step's test passes its
#     token-shift inputs on the GPU now).
# (2) The fast launch against Triton's run (LINDSL_TUNE_FAST_LAUNCH=0), interleaved in one process, no fla (its rows
#     are the table's), three processes side by side, two specs each.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 120 python3 -m pytest -q -n 4 -p no:cacheprovider tests/test_fast_launch.py tests/test_fused_step.py \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
ab() { timeout 300 python3 benchmarks/host_ab.py --no-fla --specs "$1" --shapes "$2" --variants "FAST_LAUNCH=0" \
  --rounds 5 2>&1 | quiet; }
ab mamba2,gla 4,2048,16,128 > "$OUT/ab1.txt" & ab gated_deltanet,retnet 4,2048,16,128 > "$OUT/ab2.txt" &
ab kda,hgrn2 8,1024,8,64 > "$OUT/ab3.txt" & wait
cat "$OUT"/ab?.txt
echo "all done at ${SECONDS}s"
