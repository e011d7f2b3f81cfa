#!/usr/bin/env bash
# Session 51, fifth call (H100): Based with and without kernelized scores interleaved in one process (the host's
# speed moves between processes: call 3-4's forward host times 2.1 / 1.8 ms against 0.76 / 0.88 came from separate
# processes), 6 rounds of do_bench medians each, forward and forward+backward, 8x2048x16x16x64.
set -u
export TRITON_INTERPRET=0
timeout 150 python3 - <<'PY' 2>&1 | grep -v -i warn
import os, statistics, sys
import torch
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
import lindsl
op = lindsl.load("based")
g = torch.Generator(device="cuda").manual_seed(0)
q, k = (torch.randn(8, 2048, 16, 16, device="cuda", generator=g).bfloat16().requires_grad_() for _ in range(2))
v = torch.randn(8, 2048, 16, 64, device="cuda", generator=g).bfloat16().requires_grad_()
do = torch.randn_like(v)
def fwd():
    with torch.no_grad():
        op(q, k, v, backend="triton")
def fb():
    op(q, k, v, backend="triton")[0].backward(do)
times = {ks: ([], []) for ks in "10"}
for r in range(6):
    for ks in "10":
        os.environ["LINDSL_TUNE_KERNEL_SCORES"] = ks
        times[ks][0].append(gs.time_ms(fwd))
        times[ks][1].append(gs.time_ms(fb))
for ks, (f, b) in times.items():
    print(f"KERNEL_SCORES={ks}: forward {statistics.median(f):.3f} ms (rounds {' '.join(f'{x:.3f}' for x in f)}), "
          f"forward+backward {statistics.median(b):.3f} (rounds {' '.join(f'{x:.3f}' for x in b)})", flush=True)
PY
echo "all done at ${SECONDS}s"
