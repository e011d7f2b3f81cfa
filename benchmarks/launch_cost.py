"""What one Triton launch of ours costs the host, part by part (one run on the GPU machine, not a test):

    python3 benchmarks/launch_cost.py --specs mamba2,gla --shape 4,2048,16,128 --reps 200

Session 32-33's host split put our launches at 49-100 us each through Triton 3.6's `JITFunction.run`. That call
binds and specialises every argument (`binder`: native `specialize_impl` per argument), keys its kernel cache by the
specialisation (`compute_cache_key`), checks the kernel's global values, builds the launch metadata and calls the
compiled kernel's C launcher (`CompiledKernel.run`). Per kernel of one forward+backward (the first launch of each
captured with its arguments, through Triton: LINDSL_TUNE_FAST_LAUNCH=0 while capturing), this times, host side only
and without synchronising (the launches still run): the whole `JITFunction.run`, then each part alone (the binder,
the cache key, the launch metadata, the C launcher given the bound arguments), and the engine's fast launch of the
same arguments (`triton_engine._Launched`, session 52: a plan's hit).
"""
import argparse
import os
import sys
import time

import torch
import triton.runtime.jit as tj
from triton import knobs
from triton.runtime.driver import driver

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_suite import lindsl_fns  # noqa: E402
from lindsl.runtime.triton_engine import _Launched  # noqa: E402


def capture_launches(fn):
    """{kernel name: (JITFunction, args, grid, kwargs)} of the first launch of each kernel in one call of fn."""
    seen = {}
    real = tj.JITFunction.run

    def run(self, *args, grid, warmup, **kwargs):
        seen.setdefault(self.fn.__name__, (self, args, grid, dict(kwargs)))
        return real(self, *args, grid=grid, warmup=warmup, **kwargs)
    tj.JITFunction.run = run
    before = os.environ.get("LINDSL_TUNE_FAST_LAUNCH")
    os.environ["LINDSL_TUNE_FAST_LAUNCH"] = "0"
    try:
        fn()
        torch.cuda.synchronize()
    finally:
        tj.JITFunction.run = real
        if before is None:
            del os.environ["LINDSL_TUNE_FAST_LAUNCH"]
        else:
            os.environ["LINDSL_TUNE_FAST_LAUNCH"] = before
    return seen


def host_us(fn, reps):
    """Microseconds of host time per call of fn over reps calls (the GPU synchronised before and after)."""
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    t = (time.perf_counter() - t0) * 1e6 / reps
    torch.cuda.synchronize()
    return t


def parts(jf, args, grid, kwargs, reps):
    """Host microseconds of JITFunction.run and of its parts for one captured launch."""
    kw = dict(kwargs)
    kw["debug"] = kw.get("debug", jf.debug) or knobs.runtime.debug
    kw["instrumentation_mode"] = knobs.compilation.instrumentation_mode
    device = driver.active.get_current_device()
    stream = driver.active.get_current_stream(device)
    kernel_cache, key_cache, _, _, binder = jf.device_caches[device]
    bound, spec, options = binder(*args, **kw)
    key = tj.compute_cache_key(key_cache, spec, options)
    kernel = kernel_cache[key]
    g = grid(bound) if callable(grid) else grid
    g3 = (g[0], g[1] if len(g) > 1 else 1, g[2] if len(g) > 2 else 1)
    values = list(bound.values())
    meta = kernel.launch_metadata(g, stream, *values)

    def launch():
        kernel.run(*g3, stream, kernel.function, kernel.packed_metadata, meta, knobs.runtime.launch_enter_hook,
                   knobs.runtime.launch_exit_hook, *values)
    fast = _Launched(jf)
    fast[grid](*args, **kwargs)  # its plan (through Triton once)
    return dict(
        args=len(args) + len(kwargs),
        run=host_us(lambda: jf.run(*args, grid=grid, warmup=False, **kwargs), reps),
        binder=host_us(lambda: binder(*args, **kw), reps),
        key=host_us(lambda: tj.compute_cache_key(key_cache, spec, options), reps),
        metadata=host_us(lambda: kernel.launch_metadata(g, stream, *values), reps),
        launcher=host_us(launch, reps),
        fast=host_us(lambda: fast[grid](*args, **kwargs), reps),
    )


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--specs", default="mamba2,gla")
    p.add_argument("--shape", default="4,2048,16,128")
    p.add_argument("--reps", type=int, default=200)
    a = p.parse_args()
    B, T, H, D = map(int, a.shape.split(","))
    for name in a.specs.split(","):
        _, fb, _ = lindsl_fns(name, B, T, H, D)
        fb()
        launches = capture_launches(fb)
        print(f"{name} {a.shape}: host us per launch, {a.reps} launches each (a forward+backward's kernels)",
              flush=True)
        print(f"  {'kernel':28s} {'args':>4s} {'run':>7s} {'binder':>7s} {'key':>7s} {'meta':>7s} {'launcher':>8s} "
              f"{'fast':>7s}")
        for kname, (jf, args, grid, kwargs) in launches.items():
            r = parts(jf, args, grid, kwargs, a.reps)
            print(f"  {kname:28s} {r['args']:4d} {r['run']:7.1f} {r['binder']:7.1f} {r['key']:7.1f} "
                  f"{r['metadata']:7.1f} {r['launcher']:8.1f} {r['fast']:7.1f}", flush=True)
        del fb
        torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
