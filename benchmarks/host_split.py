"""Where the host's time goes in one forward+backward on the GPU, without cProfile's inflation (not a test):

    python3 benchmarks/host_split.py --specs mamba2,gla --shapes "2,16384,16,128;4,2048,16,128"

Per spec and shape: the enqueue time of a forward+backward issued back to back without synchronising, and the parts
of it spent inside Triton's JITFunction.run (our kernels' launches: binding, specialisation key, cache lookup, the
C launcher), inside inductor's launchers (the compiled glue's kernels), inside chunk_scan_triton (the generated
module's copy of the engine: its Python plus the Triton launches it makes) and inside each torch.compile'd function
(its guards, graph breaks and wrappers plus the inductor launches and, for the backward's glue, the
chunk_scan_triton calls it makes), each timed by perf_counter wrappers (about a microsecond each), with the number
of calls per forward+backward. The rest is autograd, the op's Python and eager PyTorch calls. Since session 52 a
kernel's repeated launches skip JITFunction.run (the engine's fast launch): LINDSL_TUNE_FAST_LAUNCH=0 times Triton's.
"""
import argparse
import collections
import os
import sys
import time

import torch

import lindsl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_suite import lindsl_fns  # noqa: E402

SPENT = collections.defaultdict(float)
CALLS = collections.Counter()
DEPTH = collections.Counter()


def timed(label, fn):
    """fn, its time and calls added to SPENT[label] / CALLS[label] (outermost call only when it recurses)."""
    def wrapper(*args, **kwargs):
        DEPTH[label] += 1
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            DEPTH[label] -= 1
            if DEPTH[label] == 0:
                SPENT[label] += time.perf_counter() - t0
                CALLS[label] += 1
    wrapper.__wrapped__ = fn
    return wrapper


def instrument():
    import triton.runtime.jit as jit
    jit.JITFunction.run = timed("triton JITFunction.run", jit.JITFunction.run)
    try:
        from torch._inductor.runtime import triton_heuristics as th
        th.CachingAutotuner.run = timed("inductor launcher", th.CachingAutotuner.run)
    except Exception as e:  # an inductor without this class: that part unreported, the rest still measured
        print(f"inductor launcher not instrumented: {e!r}")
    real_compile = torch.compile

    def compile_timed(fn=None, **kw):
        if fn is None:
            return lambda f: compile_timed(f, **kw)
        return timed(f"compiled {getattr(fn, '__name__', '?')[:19]}", real_compile(fn, **kw))
    torch.compile = compile_timed


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--specs", default="mamba2,gla")
    p.add_argument("--shapes", default="2,16384,16,128;4,2048,16,128")
    p.add_argument("--calls", type=int, default=30)
    a = p.parse_args()
    instrument()
    for name in a.specs.split(","):
        for shape in a.shapes.split(";"):
            B, T, H, D = map(int, shape.split(","))
            module = lindsl.load(name).module  # cached: lindsl_fns gets the same module, its engine timed
            if not hasattr(module.chunk_scan_triton, "__wrapped__"):
                module.chunk_scan_triton = timed("chunk_scan_triton", module.chunk_scan_triton)
            fwd, fb, _ = lindsl_fns(name, B, T, H, D)
            for _ in range(3):
                fb()
            torch.cuda.synchronize()
            SPENT.clear()
            CALLS.clear()
            t0 = time.perf_counter()
            for _ in range(a.calls):
                fb()
            total = (time.perf_counter() - t0) * 1e3 / a.calls
            torch.cuda.synchronize()
            print(f"{name} {shape}: enqueue {total:.3f} ms per forward+backward", flush=True)
            for label, s in sorted(SPENT.items(), key=lambda kv: -kv[1]):
                n = CALLS[label] / a.calls
                print(f"  {label:28s} {s * 1e3 / a.calls:7.3f} ms in {n:5.1f} calls "
                      f"({s * 1e6 / max(CALLS[label], 1):6.1f} us each)", flush=True)
            del fwd, fb
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
