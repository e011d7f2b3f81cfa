"""DeltaNet's backward read of S dO and S_{t-1} du (two readers of the value side merged into one _read_kernel launch,
NX = 2) returned the second reader's rows all 0 on the H200 at K = V = 128 in bf16 (session 38, calls 3 and 5;
right in call 2 on the same machine; right at K = 64 and under the interpreter). Per launch variant of that read
(LINDSL_TUNE_READ_*): the gradient of k against the fp64 engine over repeated forward+backward calls at a check shape,
then the forward+backward time at a benchmark shape for each variant.

    python3 benchmarks/merged_read_check.py --spec deltanet --shape 2,1024,4,128 --time-shape 2,16384,16,128
"""
import argparse

import torch
import triton

import lindsl
from lindsl.check import default_sizes, random_inputs, rel_err
from variant_sweep import with_env

VARIANTS = ["", "READ_STAGES=1", "READ_WARPS=4", "READ_BK=128", "READ_STAGES=1 READ_WARPS=4", "PLAIN_MERGE=0"]


def knobs(variant):
    """'A=1 B=2' -> {'A': '1', 'B': '2'}: the LINDSL_TUNE_* values variant_sweep.with_env sets."""
    return dict(kv.split("=", 1) for kv in variant.split())


def inputs(op, shape, seed=0):
    B, T, H, D = map(int, shape.split(","))
    base = random_inputs(op.spec, B, T, H, default_sizes(op.spec, K=D, V=D, M=4), torch.float32, 1.0, seed,
                         device="cuda")
    return {k: v.to(torch.bfloat16) for k, v in base.items()}


def fwd_bwd(op, base, do, df):
    xs = [x.detach().requires_grad_(True) for x in base.values()]
    o, f = op(*xs, backend="triton", output_final_state=True)
    return torch.autograd.grad((o.float() * do).sum() + (f.float() * df).sum(), xs)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--spec", default="deltanet")
    p.add_argument("--shape", default="2,1024,4,128")
    p.add_argument("--time-shape", default="2,16384,16,128")
    p.add_argument("--repeat", type=int, default=4)
    p.add_argument("--variants", default=";".join(VARIANTS))
    a = p.parse_args()
    op = lindsl.load(a.spec)
    base = inputs(op, a.shape)
    gen = torch.Generator(device="cuda").manual_seed(7)
    xr = [x.detach().double().requires_grad_(True) for x in base.values()]
    o, f = op(*xr, backend="torch", output_final_state=True)
    do = torch.randn(o.shape, device="cuda", generator=gen)
    df = torch.randn(f.shape, device="cuda", generator=gen)
    ref = torch.autograd.grad((o * do.double()).sum() + (f * df.double()).sum(), xr)
    names = list(base)
    variants = a.variants.split(";")
    print(f"{a.spec} {a.shape} bf16: worst input gradient against fp64 over {a.repeat} calls")
    for v in variants:
        worst = {}
        for _ in range(a.repeat):
            for n, g, r in zip(names, with_env(knobs(v), lambda: fwd_bwd(op, base, do, df)), ref):
                worst[n] = max(worst.get(n, 0.0), rel_err(g.double(), r))
        print(f"  {v or 'default':30s} " + " ".join(f"d{n} {e:.2e}" for n, e in worst.items()), flush=True)
    tb = inputs(op, a.time_shape)
    tdo = torch.randn(op(*tb.values(), backend="triton")[0].shape, device="cuda", generator=gen)
    B, T, H, D = map(int, a.time_shape.split(","))
    tdf = torch.randn(B, H, D, D, device="cuda", generator=gen)
    print(f"{a.spec} {a.time_shape} bf16 forward+backward, median ms (interleaved, 3 rounds)")
    times = {v: [] for v in variants}
    for _ in range(3):
        for v in variants:
            times[v].append(with_env(knobs(v), lambda: triton.testing.do_bench(lambda: fwd_bwd(op, tb, tdo, tdf),
                                                                                warmup=25, rep=100)))
    for v in variants:
        print(f"  {v or 'default':30s} {sorted(times[v])[1]:.3f}", flush=True)


if __name__ == "__main__":
    main()
