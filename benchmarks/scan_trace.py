"""Every chunk_scan_triton call of one forward+backward on the Triton engine, with NaN count, exact-zero fraction and
norm of each tensor it takes and returns (reads' vectors included): with LINDSL_POISON=1 an output element a kernel
never wrote stays NaN, or turns 0 where a GPU's max/min or a mask swallows it. Session 38: DeltaNet's da cotangent
came back exactly 0 on the GPU with poisoned buffers.

    LINDSL_POISON=1 python3 benchmarks/scan_trace.py --spec deltanet --shape 2,1024,4,128
"""
import argparse

import torch

import lindsl
from lindsl.check import default_sizes, random_inputs


def stats(x):
    if not torch.is_tensor(x):
        return None
    xf = x.detach().float()
    nan = torch.isnan(xf)
    return (f"{tuple(x.shape)} {str(x.dtype)[6:]} nan {int(nan.sum())} zero {float((xf == 0).float().mean()):.3f} "
            f"norm {float(torch.nan_to_num(xf, nan=0.0).norm()):.4g}")


def walk(name, x, out):
    if torch.is_tensor(x):
        out.append(f"    {name}: {stats(x)}")
    elif isinstance(x, (list, tuple)):
        for i, y in enumerate(x):
            walk(f"{name}[{i}]", y, out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spec", default="deltanet")
    p.add_argument("--shape", default="2,1024,4,128")
    p.add_argument("--dtype", default="bfloat16")
    p.add_argument("--device", default="cuda")
    a = p.parse_args()
    B, T, H, D = map(int, a.shape.split(","))
    op = lindsl.load(a.spec)
    mod = op.module
    real = mod.chunk_scan_triton
    calls = []

    def traced(*args, **kw):
        res = real(*args, **kw)
        torch.cuda.synchronize() if a.device == "cuda" else None
        lines = [f"call {len(calls)}: " + ", ".join(f"{k}={v}" for k, v in kw.items() if not torch.is_tensor(v)
                                                     and not isinstance(v, (list, tuple, dict)))]
        for i, x in enumerate(args):
            walk(f"arg{i}", x, lines)
        walk("result", res, lines)
        calls.append("\n".join(lines))
        return res
    mod.chunk_scan_triton = traced
    base = random_inputs(op.spec, B, T, H, default_sizes(op.spec, K=D, V=D, M=4), torch.float32, 1.0, 0, device=a.device)
    xs = [v.to(getattr(torch, a.dtype)).requires_grad_(True) for v in base.values()]
    o, f = op(*xs, backend="triton", output_final_state=True)
    gen = torch.Generator(device=a.device).manual_seed(7)
    loss = (o.float() * torch.randn(o.shape, device=a.device, generator=gen)).sum() + (
        f.float() * torch.randn(f.shape, device=a.device, generator=gen)).sum()
    g = torch.autograd.grad(loss, xs)
    print("\n".join(calls))
    for n, x in zip(base, g):
        print(f"grad {n}: {stats(x)}")


if __name__ == "__main__":
    main()
