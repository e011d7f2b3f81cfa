#!/usr/bin/env bash
# The next session's first call (one GPU, about 8 minutes), written in session 57 (its five calls on an H100: RESULTS
# "Session 57"). (1) Linear attention's adjoint sources in place (REV_SOURCES=1, off by default until checked on a
# GPU; RetNet and Lightning took it in session 57: -0.11 ms at 2x16384x16x128) checked and timed against the copies;
# (2) the GPU tests of session 57's changes (the rows passes, the sources-in-place defaults, the gate-sums test now
# within fp32 rounding on a GPU); (3) the host-bound rows of every fla-covered family against fla
# (next_third_call.sh's table, two processes at a time), none of which is from the current code.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 110 python3 benchmarks/variant_sweep.py --isolate --specs linear_attn --bench-shape 2,16384,16,128 \
  --variants "REV_SOURCES=1" --budget 50 --out "$OUT/rev_linear" 2>&1 | quiet | grep -v "^variant sweep"
timeout 100 python3 -m pytest -q tests/test_rows_kernels.py tests/test_triton_interpret.py \
  -k "gate_sums_within or one_gradient or in_place_by_default" 2>&1 | tail -3
echo "tests done at ${SECONDS}s"
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=110 \
  JOB_TIMEOUT=140 timeout 330 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
