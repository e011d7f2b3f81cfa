"""gpu_suite.correctness's error measure on the CPU (not a test): one spec's output and gradients from bf16 inputs
through the Triton engine (under TRITON_INTERPRET=1) against the fp64 PyTorch engine, relative RMS, for the knobs
set in the environment. --mix reads|bnd runs each backward scan that keeps chunk states twice, once with fp32 and
once with bf16 states (LINDSL_TUNE_H_BF16), and takes the reads from the bf16 run and the states for the gate's
boundary sums from the fp32 one (reads) or the other way round (bnd): which use of bf16 states costs a gradient.

    TRITON_INTERPRET=1 LINDSL_FAST_INTERPRETER=1 python benchmarks/corr_cpu.py mamba2 2,4096,8,128 [--gate 10]
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lindsl  # noqa: E402
from gpu_suite import ZERO_FLOOR, rel_rms, rms  # noqa: E402
from lindsl.check import default_sizes, random_inputs  # noqa: E402


def mixed_scan(scan, mix):
    """_scan that takes its reads from one state dtype's run and its returned chunk states from the other's."""
    def run(backend, *args, **kw):
        if not kw.get("return_states"):
            return scan(backend, *args, **kw)
        os.environ["LINDSL_TUNE_H_BF16"] = "0" if mix == "reads" else "1"
        states_from = scan(backend, *args, **kw)
        os.environ["LINDSL_TUNE_H_BF16"] = "1" if mix == "reads" else "0"
        reads_from = scan(backend, *args, **kw)
        del os.environ["LINDSL_TUNE_H_BF16"]
        return (*reads_from[:3], states_from[3].float(), *reads_from[4:])
    return run


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("spec")
    p.add_argument("shape", help="B,T,H,D")
    p.add_argument("--gate", type=float, default=1.0, help="gate scale (random_inputs' gate_scale)")
    p.add_argument("--mix", choices=["reads", "bnd"], default=None)
    a = p.parse_args()
    B, T, H, D = map(int, a.shape.split(","))
    op = lindsl.load(a.spec)
    if a.mix:
        op.module._scan = mixed_scan(op.module._scan, a.mix)
    args = random_inputs(op.spec, B, T, H, default_sizes(op.spec, K=D, V=D, M=4), torch.float32, a.gate, 0)
    xb = {k: v.to(torch.bfloat16).requires_grad_(True) for k, v in args.items()}
    xr = {k: v.detach().double().requires_grad_(True) for k, v in xb.items()}
    o, f = op(*xb.values(), output_final_state=True, backend="triton")
    gen = torch.Generator().manual_seed(7)
    do, dfs = torch.randn(o.shape, generator=gen), torch.randn(f.shape, generator=gen)
    g = torch.autograd.grad((o.float() * do).sum() + (f.float() * dfs).sum(), list(xb.values()), allow_unused=True)
    o_r, f_r = op(*xr.values(), output_final_state=True, backend="torch", chunk_size=16)
    g_r = torch.autograd.grad((o_r * do.double()).sum() + (f_r * dfs.double()).sum(), list(xr.values()),
                              allow_unused=True)
    scale = max(rms(r) for r in g_r if r is not None)
    print(a.spec, a.shape, f"gate x{a.gate:g}", a.mix or "", f"o {rel_rms(o, o_r):.2e}",
          " ".join(f"d{n} {rel_rms(x, r, ZERO_FLOOR * scale):.2e}" for n, x, r in zip(xb, g, g_r) if x is not None))


if __name__ == "__main__":
    main()
