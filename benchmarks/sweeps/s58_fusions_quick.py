"""Session 58's last seconds of device time: Mamba-2's forward (no gradients, as the speed table's) with the two new
fusions off and on, one process, interleaved rounds, medians (CUDA events)."""
import os
import torch
import lindsl
from lindsl.check import default_sizes, random_inputs
op = lindsl.load("mamba2")
for shape in [(4, 4096, 64, 128), (2, 16384, 16, 128)]:
    B, T, H, D = shape
    args = random_inputs(op.spec, B, T, H, default_sizes(op.spec, K=D, V=D), torch.float32, 1.0, 0, device="cuda")
    xb = [v.to(torch.bfloat16) for v in args.values()]
    variants = {"off": ("0", "0"), "skip": ("1", "0"), "skip+scale": ("1", "1")}
    times = {k: [] for k in variants}
    outs = {}
    for r in range(7):
        for name, (sk, vs) in variants.items():
            os.environ["LINDSL_TUNE_SKIP_IN_READ"], os.environ["LINDSL_TUNE_VALUE_SCALE"] = sk, vs
            with torch.no_grad():
                for _ in range(3):
                    op(*xb)
                s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                torch.cuda.synchronize()
                s.record()
                for _ in range(10):
                    o = op(*xb)[0]
                e.record()
                torch.cuda.synchronize()
                times[name].append(s.elapsed_time(e) / 10)
                outs[name] = o.float()
    ref = outs["off"]
    for name, t in times.items():
        t.sort()
        err = ((outs[name] - ref).norm() / ref.norm()).item()
        print(f"mamba2 {B}x{T}x{H}x{D} forward {name:10s} median {t[len(t) // 2]:.3f} ms  rel diff {err:.1e}",
              flush=True)
