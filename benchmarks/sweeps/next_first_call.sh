#!/usr/bin/env bash
# The next session's first call (one H200; copy pytest-xdist's and execnet's wheels from /opt/pypi/files/ into .whl/
# and run ../shared/device/prepare.sh for lark and fla-core first), written in session 44, whose device went away
# after its first call. It measures session 44's trial knobs (all off by default; each checked against the engine
# under the interpreter, ptxas for sm_90 in NOTES v44) for Gated DeltaNet's chunk-level adjoint:
#   PASS_SCALE_ROWS=1  the pass's scalar decays on the narrow tiles' rows (254 -> 178 registers);
#   PASS_BOUNDARY=1    the gate gradient's boundary sums made by the pass (no _boundary_kernel: 0.24 ms);
#   CA_H_BF16=1        the chunk-level adjoint's rescan keeps its chunk-start states h in bf16 (rescan pass 250 ->
#                      193 registers, the dx read's 52 B of spill gone, h's bytes halved in four kernels; dg
#                      unchanged under the interpreter);
# and the WY backward in key blocks of 32 on four or eight warps (no spill in ptxas; both slower in session 41).
# Session 45 (no device either) changed three defaults of the chunk-level adjoint, for memory (benchmarks/mem_cpu.py:
# Gated DeltaNet's peak at 2x16384x16x128 4954 -> 4250 MB counted on the CPU): hend freed before the WY backward (the
# boundary sums made before it), U0 let go after the rescan, (I - M)^-1 stored in bf16 where the WY backward's
# products are bf16 (bit-identical gradients); the default's GPU tests and checks below run them for the first time,
# and the A/B's peak column shows them. And one knob: WY_KEEP=0 (W and U0 made again from T in the backward; held
# memory -192 MB per layer; its time cost is the question), and a trial CA_DVD_BF16=1 (dv's direct part from the
# pass in bf16, as fla keeps dv between kernels: 134 MB less at the peak; interpreter: DeltaNet's dv 3.85e-3 ->
# 4.24e-3 of fp64 at gate x1, Gated DeltaNet's 2.93e-3 -> 2.96e-3 at x10, the rest unchanged).
# (1) GPU tests of the rank-one specs with the trial knobs; (2) checks at gate x1 and x10 with and without them;
# (3) A/B in one process per shape; (4) the launches with all three knobs, and fla's (its backward per kernel:
# session 44's call 1 lost them to a timeout). About 9 minutes: timeout_s 590. Then make the winners defaults
# (CA_H_BF16 is scoped to the chunk-level adjoint's rescan with a scalar gate already) and run the table rows
# (next_second_call.sh).
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
TRIAL="LINDSL_TUNE_PASS_SCALE_ROWS=1 LINDSL_TUNE_PASS_BOUNDARY=1 LINDSL_TUNE_CA_H_BF16=1 LINDSL_TUNE_CA_DVD_BF16=1"
# the GPU tests with the trial knobs (the defaults' passed in session 44's call 1; small K over several chunks is
# where session 43's GPU-only fault showed)
timeout 100 python3 -m pytest -q -n 8 -p no:cacheprovider -k "delta or mom" \
  "tests/test_triton_interpret.py::test_rank_one_bf16_gradients_at_small_k_over_chunks" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" > "$OUT/tests_default.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests_default.txt" | head -20
env $TRIAL timeout 100 python3 -m pytest -q -n 8 -p no:cacheprovider -k "delta or mom" \
  "tests/test_triton_interpret.py::test_rank_one_bf16_gradients_at_small_k_over_chunks" \
  "tests/test_triton_interpret.py::test_library_spec_triton_equals_torch_backend" \
  "tests/test_triton_interpret.py::test_delta_rule_bf16_gradients_at_d128" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
checks "default:" "gated_deltanet:1,10 deltanet:10"
checks "trial:" "gated_deltanet:1,10 mom_gated_deltanet:10" $TRIAL
checks "wy_keep:" "gated_deltanet:10 deltanet:10" LINDSL_TUNE_WY_KEEP=0
echo "checks done at ${SECONDS}s"
timeout 190 python3 benchmarks/host_ab.py --specs gated_deltanet --shapes 2,16384,16,128 --rounds 2 --no-fla \
  --variants "PASS_SCALE_ROWS=1;PASS_BOUNDARY=1;CA_H_BF16=1;CA_DVD_BF16=1;PASS_SCALE_ROWS=1,PASS_BOUNDARY=1,CA_H_BF16=1,CA_DVD_BF16=1;PASS_SCALE_ROWS=1,PASS_BV=16;WYB_BK=32" \
  2>&1 | quiet
echo "gdn ab 1 done at ${SECONDS}s"
timeout 95 python3 benchmarks/host_ab.py --specs gated_deltanet --shapes 1,8192,96,128 --rounds 3 --no-fla \
  --variants "CA_H_BF16=1;PASS_SCALE_ROWS=1,PASS_BOUNDARY=1,CA_H_BF16=1;WY_KEEP=0" 2>&1 | quiet
echo "gdn ab 2 done at ${SECONDS}s"
env $TRIAL timeout 55 python3 benchmarks/launch_trace.py --specs gated_deltanet --shape 2,16384,16,128 --min-us 15 \
  --out "$OUT" 2>&1 | quiet
mv "$OUT/launch_trace.json" "$OUT/launch_trace_trial.json" 2>/dev/null
timeout 75 python3 benchmarks/launch_trace.py --specs gated_deltanet,deltanet --fla --no-lindsl \
  --shape 2,16384,16,128 --min-us 10 --out "$OUT" 2>&1 | quiet
echo "all done at ${SECONDS}s"
