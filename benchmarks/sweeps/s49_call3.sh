#!/usr/bin/env bash
# Session 49, call 3 (the same warm H200): the table rows of Mamba-2 and RWKV-6 at the three large shapes on the
# current code (session 47-48's untimed default-on changes: the backward's read dtypes, the passed cotangent, v's one
# gradient), with fla in the same run; then Based's forward+backward by kernel at 8x2048x16 (K 16, V 64, F 273),
# where call 1 measured 0.25x of fla's parallel_based. About 6 minutes.
set -u
export TRITON_INTERPRET=0
TABLE_GPU0="sgla:mamba2 rwkv6:rwkv6" TABLE_GPU1="" WITH_D256=0 MAX_PROCS=12 \
  TABLE_SHAPES="h64:4,4096,64,128 h96:1,8192,96,128 t16k:2,16384,16,128" DEADLINE=200 JOB_TIMEOUT=270 \
  bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
timeout 100 python3 - <<'PY' 2>&1 | grep -v -i warn
import sys, collections
sys.path.insert(0, "benchmarks")
import torch, lindsl, gpu_suite as gs
from based_bench import inputs
op = lindsl.load("based")
q, k, v = inputs(8, 2048, 16, 16, 64)
do = torch.randn(8, 2048, 16, 64, device="cuda", dtype=torch.bfloat16)
for label, fn in (("fwd", lambda: op(q, k, v)[0]), ("f+b", lambda: op(q, k, v)[0].backward(do))):
    ks = gs.kernel_launches(fn)
    by = collections.OrderedDict()
    for r in ks:
        by.setdefault(r["name"][:90], []).append(r["us"])
    print(f"based {label}: {len(ks)} launches, {sum(r['us'] for r in ks) / 1e3:.3f} ms of kernels")
    for n, us in sorted(by.items(), key=lambda x: -sum(x[1]))[:14]:
        print(f"  {sum(us):8.1f} us  x{len(us)}  {n}")
PY
echo "all done at ${SECONDS}s"
