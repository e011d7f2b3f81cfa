#!/usr/bin/env bash
# The next session's first call (one H200; copy pytest-xdist's and execnet's wheels from /opt/pypi/files/ into .whl/
# and run ../shared/device/prepare.sh for lark and fla-core first). Session 41 made the chunk-level adjoint the
# default backward for a scalar key gate (Gated DeltaNet, MoM) and ran out of device time before checking that
# default with no knob set. (1) Checks at 2x1024x4x128, gate x1 and x10, no knob set, and the GPU tests of the gated
# rank-one specs; (2) Gated DeltaNet at 2x16384x16x128: the new default against the rescan backward
# (CHUNK_ADJOINT=0) and CA_EXACT_U=0 (the backward's state pass in bf16: -0.5 ms predicted from the forward's
# identical pass, 0.54 against 1.08 ms in session 41's trace; the interpreter put dk 1.7x further off at gate x1),
# with its checks; CA_LOW_MID=0 (du, dW, du V^T in fp32 as measured in session 41; bf16 now: the same gradients,
# about 1 GB less traffic predicted -0.1 to -0.25 ms); PASS_PAIRS=1 (the pass makes D0: the D0 read, 0.45 ms, gone;
# ptxas: 308 B of spill with the gate at four warps, 184 with bf16 pair products); DeltaNet's knob, whose rescan now
# stores u in bf16; (3) the launches of the new default. About 8 minutes: timeout_s 600.
# Then the table rows of Gated DeltaNet with fla (a second call: TABLE_GPU0="gdn:gated_deltanet" TABLE_GPU1=""
# WITH_D256=0 bash benchmarks/sweeps/table_call.sh).
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
SPECS="gated_deltanet:1,10 mom_gated_deltanet:10 deltanet:10"
checks "default:" "$SPECS"
echo "checks done at ${SECONDS}s"
timeout 90 python3 -m pytest -q -n 8 -p no:cacheprovider -k "gated" \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
checks "CA_EXACT_U=0:" "gated_deltanet:1,10" LINDSL_TUNE_CA_EXACT_U=0
checks "PASS_PAIRS=1:" "gated_deltanet:1,10" LINDSL_TUNE_PASS_PAIRS=1
checks "PASS_PAIRS=1, bf16 pairs:" "gated_deltanet:10" LINDSL_TUNE_PASS_PAIRS=1 LINDSL_TUNE_PASS_PAIR_PREC=bf16
echo "checks done at ${SECONDS}s"
timeout 150 python3 benchmarks/host_ab.py --specs gated_deltanet --shapes 2,16384,16,128 --variants \
  "CHUNK_ADJOINT=0;CA_EXACT_U=0;CA_LOW_MID=0;PASS_PAIRS=1;PASS_PAIRS=1,PASS_PAIR_PREC=bf16;PASS_PAIRS=1,PASS_WARPS=8" \
  --rounds 3 --no-fla 2>&1 | quiet
timeout 100 python3 benchmarks/host_ab.py --specs deltanet --shapes 2,16384,16,128 --variants \
  "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,CA_KEEP_STATES=1;CHUNK_ADJOINT=1,PASS_PAIRS=1" --rounds 3 --no-fla 2>&1 | quiet
echo "host_ab done at ${SECONDS}s"
timeout 60 python3 benchmarks/launch_trace.py --specs gated_deltanet --shape 2,16384,16,128 --min-us 30 \
  --out "$OUT" 2>&1 | quiet
echo "all done at ${SECONDS}s"
