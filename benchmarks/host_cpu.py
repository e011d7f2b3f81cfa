"""lindsl's own host time per call on the CPU (not a test): the Triton engine with every kernel launch replaced by
a no-op, so what remains is the Python around the kernels (the op's argument handling, chunk_scan_triton's launch
logic, the eager glue). A tiny shape keeps the glue's arithmetic negligible. The GPU adds the compiled glue's
Dynamo/AOTAutograd wrappers and Triton's launcher, which this cannot see (benchmarks/host_overhead.py measures
those on the GPU):

    TRITON_INTERPRET=1 python3 benchmarks/host_cpu.py --specs deltanet,gated_deltanet --calls 200 [--profile fb]
"""
import argparse
import cProfile
import io
import os
import pstats
import sys
import time

os.environ.setdefault("TRITON_INTERPRET", "1")

import torch  # noqa: E402

import lindsl  # noqa: E402
from lindsl.check import default_sizes, random_inputs  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_stubs import stub_kernels  # noqa: E402


def per_call_ms(fn, calls, warmup=10, batches=5):
    """Milliseconds per call: the fastest of batches batches of calls // batches calls each, after warmup calls (the
    first calls compile and cache: session 32 read 12 ms per call over 50 calls after one; the machine's other load
    only adds time, so the fastest batch is the steadiest estimate)."""
    for _ in range(warmup):
        fn()
    per = max(1, calls // batches)
    best = float("inf")
    for _ in range(batches):
        t0 = time.perf_counter()
        for _ in range(per):
            fn()
        best = min(best, (time.perf_counter() - t0) * 1e3 / per)
    return best


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--specs", default="deltanet,gated_deltanet")
    p.add_argument("--shape", default="1,64,1,128")
    p.add_argument("--calls", type=int, default=200)
    p.add_argument("--profile", choices=("", "fwd", "fb"), default="", help="cProfile this direction")
    a = p.parse_args()
    B, T, H, D = map(int, a.shape.split(","))
    stub_kernels()
    # the no-op kernels leave their outputs' memory as it was: denormal garbage made the glue's CPU arithmetic 2-3x
    # slower in some runs (KDA's einsum, session 54), so they are flushed to zero
    torch.set_flush_denormal(True)
    for name in a.specs.split(","):
        op = lindsl.load(name)
        args = random_inputs(op.spec, B, T, H, default_sizes(op.spec, K=D, V=D, M=4), torch.float32, 1.0, 0)
        xs = [v.requires_grad_(True) for v in args.values()]
        out = op(*xs, backend="triton")[0]
        do = torch.randn_like(out)

        def fwd():
            with torch.no_grad():
                op(*xs, backend="triton")

        def fb():
            op(*xs, backend="triton")[0].backward(do)

        print(f"{name:16s} {a.shape}: forward {per_call_ms(fwd, a.calls):.3f} ms, forward+backward "
              f"{per_call_ms(fb, a.calls):.3f} ms per call (kernels no-op, eager glue)", flush=True)
        if a.profile:
            pr = cProfile.Profile()
            one = fwd if a.profile == "fwd" else fb
            pr.enable()
            for _ in range(a.calls):
                one()
            pr.disable()
            s = io.StringIO()
            pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(25)
            print(s.getvalue())


if __name__ == "__main__":
    main()
