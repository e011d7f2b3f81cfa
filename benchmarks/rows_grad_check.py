"""Where a spec's gradients through the rows kernels' backward (LINDSL_TUNE_ROWS_GRAD=1) part from the PyTorch
prologue's on the GPU: every input's gradient against the PyTorch engine in fp64 for launch variants of the rows
kernels and of the core, one process, bf16 or fp32. For DeltaNet also the backward kernel alone: its input
cotangents from the cotangents the core gave it, against autograd of the prologue's formulas in fp64. Session 38:
DeltaNet's dk 0.47 from fp64 at 2x1024x4x128 in bf16 was wrong through either prologue, with the rows kernels' own
backward right (the core's read of -dv wrote zeros: benchmarks/NOTES.md, v38).

    python3 benchmarks/rows_grad_check.py --spec deltanet --shape 2,1024,4,128 --dtype bfloat16
"""
import argparse

import torch

import lindsl
from lindsl.check import default_sizes, random_inputs, rel_err
from merged_read_check import knobs
from variant_sweep import with_env

VARIANTS = ["ROWS_GRAD=0", "ROWS_GRAD=1", "ROWS_GRAD=1 ROWS_PER_PROGRAM=1", "ROWS_GRAD=1 ROWS_PER_PROGRAM=4",
            "ROWS_GRAD=1 ROWS_WARPS=1", "ROWS_GRAD=1 ROWS_WARPS=8", "ROWS_GRAD=1 TOKEN_LAYOUT=0",
            "ROWS_GRAD=1 U_BF16=0", "ROWS_GRAD=1 FOLD=0", "ROWS_GRAD=1 LOWP_VECTORS=0"]


def grads(op, base, dtype, do, df, variant):
    """Every input's gradient on the Triton engine with the variant's LINDSL_TUNE_* values ('A=1 B=2')."""
    def run():
        xs = [x.detach().to(dtype).requires_grad_(True) for x in base.values()]
        o, f = op(*xs, backend="triton", output_final_state=True)
        return torch.autograd.grad((o.float() * do).sum() + (f.float() * df).sum(), xs)
    return with_env(knobs(variant), run)


def deltanet_kernel_alone(op, base, dtype, do, df):
    """The rows backward kernel on the cotangents the core gave it, against autograd of b0 = -beta kn, a0 = kn,
    k0 = beta kn, x0 = qn in fp64 on the same cotangents."""
    mod = op.module
    seen = []
    real = mod._prologue_rows_grads

    def keep(tensors, cts, *a):
        out = real(tensors, cts, *a)
        seen.append(([t.detach().clone() for t in tensors], [c.detach().clone() for c in cts],
                     [None if g is None else g.detach().clone() for g in out]))
        return out
    mod._prologue_rows_grads = keep
    try:
        grads(op, base, dtype, do, df, "ROWS_GRAD=1")
    finally:
        mod._prologue_rows_grads = real
    tensors, cts, got = seen[0]
    q, k, v, beta = [t.double().requires_grad_(True) for t in tensors]
    qn = q / torch.sqrt((q * q).sum(-1, keepdim=True) + 1e-6)
    kn = k / torch.sqrt((k * k).sum(-1, keepdim=True) + 1e-6)
    outs = [-(beta[..., None] * kn), kn, beta[..., None] * kn, qn]
    ref = torch.autograd.grad(outs, [q, k, v, beta], [c.double() for c in cts], allow_unused=True)
    for name, a, b in zip("q k v beta".split(), got, ref):
        if a is None or b is None:
            print(f"  kernel alone d{name}: {'none' if a is None else 'given'} / {'none' if b is None else 'given'}")
        else:
            print(f"  kernel alone d{name}: {rel_err(a.double(), b):.2e}")
    print("  cotangents' norms", [f"{c.float().norm().item():.3e}" for c in cts],
          "dtypes", [str(c.dtype) for c in cts], "contiguous", [c.is_contiguous() for c in cts])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spec", default="deltanet")
    p.add_argument("--shape", default="2,1024,4,128")
    p.add_argument("--dtype", default="bfloat16")
    p.add_argument("--variants", default=";".join(VARIANTS))
    p.add_argument("--device", default="cuda", help="cpu: under TRITON_INTERPRET=1 (the harness at small sizes)")
    a = p.parse_args()
    B, T, H, D = map(int, a.shape.split(","))
    dtype = getattr(torch, a.dtype)
    op = lindsl.load(a.spec)
    base = random_inputs(op.spec, B, T, H, default_sizes(op.spec, K=D, V=D, M=4), torch.float32, 1.0, 0, device=a.device)
    base = {k: v.to(dtype) for k, v in base.items()}
    gen = torch.Generator(device=a.device).manual_seed(7)
    xr = [x.detach().double().requires_grad_(True) for x in base.values()]
    o, f = op(*xr, backend="torch", output_final_state=True)
    do = torch.randn(o.shape, device=a.device, generator=gen)
    df = torch.randn(f.shape, device=a.device, generator=gen)
    ref = torch.autograd.grad((o * do.double()).sum() + (f * df.double()).sum(), xr)
    print(f"{a.spec} {a.shape} {a.dtype}: every input's gradient against the fp64 engine")
    for variant in a.variants.split(";"):
        g = grads(op, base, dtype, do, df, variant)
        errs = " ".join(f"d{n} {rel_err(x.double(), y):.2e}" for n, x, y in zip(base, g, ref))
        print(f"  {variant:34s} {errs}")
    if a.spec == "deltanet":
        deltanet_kernel_alone(op, base, dtype, do, df)


if __name__ == "__main__":
    main()
