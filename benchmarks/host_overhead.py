"""Host-side cost of one forward+backward on the GPU (not a test):

    python3 benchmarks/host_overhead.py --specs retnet,gla,deltanet --shapes 1,64,1,128;4,2048,16,128 --out $OUT

Per spec, shape and glue mode (LINDSL_TUNE_BWD_GLUE / PROLOGUE / EPILOGUE): the GPU-timed median (do_bench), the
host's time to enqueue one call (perf_counter over back-to-back calls without synchronising, so a host slower than
the GPU shows as enqueue >= device time), the number of kernels launched, and a cProfile of one call (the slowest
Python functions by own time; --profile picks the direction) and where the host waits for the GPU (each
synchronising call under torch.cuda.set_sync_debug_mode, with the Python stack that made it; the CUDA runtime calls
per call; each call's enqueue time). Small shapes where the host is the bottleneck are where fla wins the table's
rows.
"""
import argparse
import cProfile
import io
import os
import pstats
import sys
import time
import traceback
import warnings

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_suite import lindsl_fns, time_ms  # noqa: E402
from variant_sweep import parse_variants, with_env  # noqa: E402


def enqueue_ms(fn, n=30):
    """Host milliseconds per call over n calls issued without synchronising."""
    fn()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    t1 = time.perf_counter()
    torch.cuda.synchronize()
    return (t1 - t0) * 1e3 / n


def kernel_count(fn):
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    return sum(1 for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA)


def runtime_api(fn, calls=10):
    """CUDA runtime/driver calls per call of fn (name: count, microseconds of host time), from the profiler's CPU
    events: launches, copies, allocations and synchronisations that set_sync_debug_mode does not report."""
    fn()
    torch.cuda.synchronize()
    acts = [torch.profiler.ProfilerActivity.CPU, torch.profiler.ProfilerActivity.CUDA]
    with torch.profiler.profile(activities=acts) as prof:
        for _ in range(calls):
            fn()
        torch.cuda.synchronize()
    out = {}
    for e in prof.key_averages():
        if e.key.startswith("cu") and e.count:
            out[e.key] = (e.count / calls, e.cpu_time_total / calls)
    rows = sorted(out.items(), key=lambda x: -x[1][1])
    return "".join(f"  {k:40s} {n:6.1f} calls {us:9.1f} us\n" for k, (n, us) in rows)


def enqueue_spread(fn, n=30):
    """Host milliseconds of each of n calls issued without synchronising (a call that waits for the GPU shows as
    one near the GPU's time per call)."""
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    torch.cuda.synchronize()
    return " ".join(f"{t:.2f}" for t in times)


def sync_sites(fn):
    """The synchronising CUDA calls one call of fn makes, each with the innermost Python frames that issued it."""
    fn()
    torch.cuda.synchronize()
    sites = []

    def record(message, category, filename, lineno, file=None, line=None):
        if "prototype" in str(message):
            return
        stack = [f for f in traceback.format_stack()[:-1] if "warnings.py" not in f]
        sites.append(f"{message}\n" + "".join(stack[-6:]))
    old = warnings.showwarning
    warnings.showwarning = record
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            try:
                torch.cuda.set_sync_debug_mode("warn")
                fn()
            except RuntimeError as e:
                sites.append(f"sync debug mode failed: {e}\n")
            finally:
                torch.cuda.set_sync_debug_mode("default")
    finally:
        warnings.showwarning = old
    torch.cuda.synchronize()
    return sites


def top_functions(fn, calls=100, n=40):
    """cProfile over `calls` calls (own time, then cumulative) and the profiler's CPU time per operator."""
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(calls):
        fn()
    torch.cuda.synchronize()
    pr.disable()
    s = io.StringIO()
    pstats.Stats(pr, stream=s).sort_stats("tottime").print_stats(n)
    pstats.Stats(pr, stream=s).sort_stats("cumtime").print_stats(n)
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(10):
            fn()
        torch.cuda.synchronize()
    s.write(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=n))
    return s.getvalue()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--specs", default="retnet,gla,deltanet")
    p.add_argument("--shapes", default="1,64,1,128;4,2048,16,128")
    p.add_argument("--variants", default="BWD_GLUE=eager;BWD_GLUE=eager,PROLOGUE=eager,EPILOGUE=eager")
    p.add_argument("--profile", choices=("fwd", "fb"), default="fb", help="the direction cProfile'd")
    p.add_argument("--out", default=os.environ.get("OUT", "."))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    rows = []
    for name in a.specs.split(","):
        for shape in a.shapes.split(";"):
            B, T, H, D = map(int, shape.split(","))
            for env in parse_variants(a.variants):
                label = ",".join(f"{k}={v}" for k, v in env.items()) or "default"

                def run():
                    fwd, fb, _ = lindsl_fns(name, B, T, H, D)
                    r = dict(fwd=time_ms(fwd), fb=time_ms(fb), enq_fwd=enqueue_ms(fwd), enq_fb=enqueue_ms(fb),
                             k_fwd=kernel_count(fwd), k_fb=kernel_count(fb))
                    sites = sync_sites(fwd) + sync_sites(fb)
                    r["syncs"] = len(sites)
                    one = fwd if a.profile == "fwd" else fb
                    api = (f"runtime calls per {a.profile}:\n{runtime_api(one)}"
                           f"each call's enqueue (ms): {enqueue_spread(one)}\n")
                    print(api, flush=True)
                    prof = top_functions(one)
                    return r, "".join(sites) + api + prof

                r, prof = with_env(env, run)
                line = (f"{name:10s} {shape:16s} {label:44s} fwd {r['fwd']:7.3f} ms (host {r['enq_fwd']:6.3f}, "
                        f"{r['k_fwd']:3d} kernels)  f+b {r['fb']:7.3f} ms (host {r['enq_fb']:6.3f}, "
                        f"{r['k_fb']:3d} kernels)  syncs {r['syncs']}")
                print(line, flush=True)
                rows.append(line)
                with open(os.path.join(a.out, f"prof_{name}_{shape.replace(',', 'x')}_{len(rows)}.txt"), "w") as fh:
                    fh.write(line + "\n" + prof)
    print("\nhost overhead (GPU-timed median; host = enqueue time per call without synchronising):")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
