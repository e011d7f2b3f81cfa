#!/usr/bin/env bash
# The next session's first call (one H200; copy pytest-xdist's and execnet's wheels from /opt/pypi/files/ into .whl/
# and run ../shared/device/prepare.sh for lark and fla-core first), written in session 46, whose device time ran
# out after four calls. About 8 minutes: timeout_s 590.
# (1) GPU tests of the rows kernels' backward and the rank-one specs (the rows backward is now taken at every size,
#     e278517; the tests' shapes are small, so this checks the code path, not the size);
# (2) session 46's trial knob CA_DBK_BF16=1 (b81c8a2: the merged adjoint read's parts of db and dk in bf16, their
#     gauge terms summed in fp32 by the read; CPU: peak -256 MB for Gated DeltaNet and DeltaNet at 2x16384x16x128,
#     ptxas: fewer registers and spills) checked at gate x1 and x10 and A/B'd at 2x16384x16x128; make it the default if
#     it is not slower (tests/test_chunk_adjoint.py's knob lists then flip, as e1ad47c's did);
#     With it the knob RECOMPUTE_PROLOGUE=1 (the cores' saved prologue outputs remade in the backward: held bytes per
#     layer at 2x16384x16x128 Gated DeltaNet 964 -> 452 MB, fla's 454; its time cost is the question);
#     The default's checks run the WY backward's in-place dv for the first time on the GPU (session 46, CPU-checked);
# (3) the table rows of Mamba-2, RWKV-6 and KDA at the three large shapes on the rows backward (session 46's A/B for
#     Mamba-2 and RWKV-6 switched compiled glue in one process and is not sound; KDA's agreed with its rows).
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
timeout 90 python3 -m pytest -q -n 8 -p no:cacheprovider -k "delta or mom or kda or mamba2 or rows" \
  tests/test_rows_kernels.py \
  "tests/test_triton_interpret.py::test_rank_one_bf16_gradients_at_small_k_over_chunks" > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
CHECK_TIMEOUT=80 checks "dbk:" "gated_deltanet:1,10 deltanet:1,10" LINDSL_TUNE_CA_DBK_BF16=1
CHECK_TIMEOUT=80 checks "default:" "gated_deltanet:10 deltanet:10 kda:10 mamba2:10"
echo "checks done at ${SECONDS}s"
for shape in 2,16384,16,128; do for s in gated_deltanet deltanet; do
  timeout 60 python3 benchmarks/host_ab.py --specs $s --shapes $shape --rounds 3 --no-fla \
    --variants "CA_DBK_BF16=1;RECOMPUTE_PROLOGUE=1" 2>&1 | quiet
done; done
echo "ab done at ${SECONDS}s"
TABLE_GPU0="m2:mamba2 rwkv6:rwkv6 kda:kda" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=9 \
  TABLE_SHAPES="h64:4,4096,64,128 h96:1,8192,96,128 t16k:2,16384,16,128" DEADLINE=200 JOB_TIMEOUT=260 \
  bash benchmarks/sweeps/table_call.sh
[ "$SECONDS" -lt 470 ] && timeout 60 python3 benchmarks/host_ab.py --specs kda --shapes 2,16384,16,128 --rounds 2 \
  --no-fla --variants "RECOMPUTE_PROLOGUE=1;RECOMPUTE_PROLOGUE=1,WY_KEEP=0" 2>&1 | quiet
echo "all done at ${SECONDS}s"
