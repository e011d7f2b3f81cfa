"""The eager PyTorch operations and Triton launches of one forward+backward per spec, and where each operation comes
from (CPU, not a test): at the host-bound shapes every operation costs the GPU machine's host 8-15 us besides its
launch, and every Triton launch 8-28 us (RESULTS, session 53), so these are the counts to bring down there. Kernels
are stubbed (cpu_stubs.py: values are garbage, launches recorded); a dispatch mode counts every operation that
reaches ATen, views apart, and with --where names the generated module's or lindsl's three innermost frames of
each compute operation:

    TRITON_INTERPRET=1 python3 benchmarks/eager_ops.py --specs mamba2,gla,kda [--where]

The harness's own operations are in the counts: the ones_like of the output's cotangent and the input gradients'
accumulations (add_, one per input from the second backward on).
"""
import argparse
import collections
import os
import sys
import traceback

os.environ.setdefault("TRITON_INTERPRET", "1")

import torch  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402

import lindsl  # noqa: E402
from lindsl.check import default_sizes, random_inputs  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_stubs import stub_kernels  # noqa: E402

VIEWS = {"view", "_unsafe_view", "reshape", "expand", "permute", "transpose", "t", "unsqueeze", "squeeze", "select",
         "slice", "movedim", "as_strided", "alias", "detach", "split", "unbind", "narrow", "diagonal", "unflatten",
         "flatten"}
ALLOCATIONS = {"empty", "empty_strided", "empty_like"}


class Counted(TorchDispatchMode):
    """Counts each ATen operation by name; with where, each compute operation by name and calling frames."""

    def __init__(self, where=False):
        super().__init__()
        self.ops = collections.Counter()
        self.sites = collections.Counter()
        self.where = where

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        name = func.overloadpacket.__name__
        self.ops[name] += 1
        if self.where and name not in VIEWS and name not in ALLOCATIONS:
            frames = [f for f in traceback.extract_stack() if "lindsl" in f.filename or "/.cache/" in f.filename]
            self.sites[(name, " < ".join(f"{f.name}:{f.lineno}" for f in frames[-3:][::-1]) or "(autograd)")] += 1
        return func(*args, **(kwargs or {}))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--specs", default="mamba2,retnet,gla,hgrn2,rwkv6,rwkv7,deltanet,gated_deltanet,kda")
    p.add_argument("--where", action="store_true", help="name each compute operation's calling frames")
    p.add_argument("--shape", default="1,64,1,128", help="B,T,H,D (T above one chunk: the chunk boundaries' terms)")
    a = p.parse_args()
    launches = []
    stub_kernels(launches)
    for name in a.specs.split(","):
        op = lindsl.load(name)
        B, T, H, D = map(int, a.shape.split(","))
        args = random_inputs(op.spec, B, T, H, default_sizes(op.spec, K=D, V=D, M=4), torch.bfloat16, 1.0, 0)
        xs = [v.requires_grad_(v.is_floating_point()) for v in args.values()]
        for _ in range(3):  # the input gradients exist from here on, as in a training loop
            out = op(*xs, backend="triton")[0]
            out.backward(torch.ones_like(out))
        launches.clear()
        with Counted() as fwd:
            out = op(*xs, backend="triton")[0]
        n_fwd = len(launches)
        with Counted(a.where) as bwd:
            out.backward(torch.ones_like(out))
        n_bwd = len(launches) - n_fwd

        def compute(c):
            return {k: v for k, v in c.items() if k not in VIEWS and k not in ALLOCATIONS}
        cf, cb = compute(fwd.ops), compute(bwd.ops)
        print(f"{name:15s} Triton launches forward {n_fwd:2d} backward {n_bwd:2d}; compute ops forward "
              f"{sum(cf.values()):2d} ({sum(fwd.ops.values())} with views), backward {sum(cb.values()):3d} "
              f"({sum(bwd.ops.values())}): {dict(sorted(cb.items(), key=lambda kv: -kv[1]))}", flush=True)
        for (op_name, site), n in sorted(bwd.sites.items(), key=lambda kv: kv[0][1]):
            print(f"    {n} {op_name:12s} {site}")
        if a.where:
            print("    launches forward:", ", ".join(k[0] for k in launches[:n_fwd]))
            print("    launches backward:", ", ".join(k[0] for k in launches[n_fwd:]))


if __name__ == "__main__":
    main()
