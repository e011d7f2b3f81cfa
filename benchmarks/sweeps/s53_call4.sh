#!/usr/bin/env bash
# Session 53, call 4 (one GPU, about 6 minutes): (1) GPU tests of the fast launch with its plans found by the
# arguments' values (every hit checked against Triton's own cache key, results bit for bit against launching
# through Triton) and of the kernelized scores (Based's adjoint now reads its source base in place by default);
# (2) the host-bound rows (4x2048x16x128, 8x1024x8x64) of RetNet, Mamba-2, GLA, HGRN2 and KDA on the current code,
# fla in the same processes, three processes side by side (their timed sections one at a time: the host lock);
# (3) the host's microseconds per launch of Mamba-2's kernels, Triton's parts against the fast launch.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
python3 -c "import torch, triton; print(torch.__version__, triton.__version__, torch.cuda.get_device_name())"
timeout 150 python3 -m pytest -q -n 6 -p no:cacheprovider tests/test_fast_launch.py tests/test_kernel_scores.py \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 kda:kda" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=3 \
  TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" DEADLINE=100 JOB_TIMEOUT=125 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
timeout 60 python3 benchmarks/launch_cost.py --specs mamba2 --reps 200 2>&1 | quiet
echo "all done at ${SECONDS}s"
