#!/usr/bin/env bash
# The next session's first call (one H200), written in session 49 (session 48's paired reads and second stream were
# timed there and lost; this carries the rest of session 47's plan). About 9 minutes: timeout_s 590.
# (1) GPU tests: the wide-key test (Based at F = 273, bf16 and fp32 against the fp64 engine: session 49 found the
#     unfused forward read miscompiled at that width, so the forward keeps its fused pass) and the streams' test.
#     Then the miscompile alone (benchmarks/wide_read_repro.py: the read after a stored-state pass at K = 273).
# (2) STATE_WARPS=4 for the tf32 state passes of the backward (Mamba-2's two passes: 255 registers at 2 warps, 128
#     programs, 0.45 ms each in session 47's trace), A/B by host_ab against the default, then checked.
# (3) KDA's backward glue eager in its own process (its H200 peak stands 798 MB over the CPU count; its time?).
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 90 python3 -m pytest -q -n 8 -p no:cacheprovider -k "wider or rescan_state_pass_first" \
  tests/test_triton_interpret.py > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 60 python3 benchmarks/wide_read_repro.py 2>&1 | quiet  # session 49's miscompile at K = 273, isolated
V="STATE_WARPS=4;STATE_BK=32,STATE_WARPS=4,STORE_H_STAGES=3"
for run in "mamba2 2,16384,16,128" "retnet 2,16384,16,128" "gla 4,4096,64,128"; do
  set -- $run
  timeout 75 python3 benchmarks/host_ab.py --specs $1 --shapes $2 --rounds 3 --no-fla --variants "$V" 2>&1 | quiet
done
echo "ab done at ${SECONDS}s"
CHECK_TIMEOUT=80 checks "warps4:" "mamba2:1,10 retnet:1 gla:10" LINDSL_TUNE_STATE_WARPS=4
timeout 170 python3 benchmarks/variant_sweep.py --isolate --specs kda --bench-shape 2,16384,16,128 \
  --variants "BWD_GLUE=eager" --budget 150 --out "$OUT/kda_isolate" 2>&1 | quiet | tail -6
echo "all done at ${SECONDS}s"
