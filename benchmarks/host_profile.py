"""Where a lindsl call's host time goes: cProfile over repeated forward+backward calls of one spec after a warm-up,
the top functions by own time, and the host's enqueue time per call (no synchronisation inside the timed calls)
against the GPU's wall time. GPU only:

    python3 benchmarks/host_profile.py --spec based --sizes B=8,T=2048,H=16,K=16,V=64 [--forward-only]
"""
import argparse
import cProfile
import pstats
import time

import torch

import lindsl
from lindsl.check import random_inputs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", required=True)
    ap.add_argument("--sizes", required=True, help="B=..,T=..,H=.. and the spec's dims")
    ap.add_argument("--forward-only", action="store_true")
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--sync-debug", action="store_true", help="warn (with the call site) at each synchronizing op of one call")
    a = ap.parse_args()
    sizes = {k: int(v) for k, v in (kv.split("=") for kv in a.sizes.split(","))}
    B, T, H = sizes.pop("B"), sizes.pop("T"), sizes.pop("H")
    op = lindsl.load(a.spec)
    args = random_inputs(op.spec, B, T, H, sizes, torch.float32, seed=0, device="cuda")
    xs = [x.to(torch.bfloat16).requires_grad_(not a.forward_only) for x in args.values()]
    do = torch.randn_like(op(*xs, backend="triton")[0].detach())

    def call():
        if a.forward_only:
            with torch.no_grad():
                op(*xs, backend="triton")
        else:
            op(*xs, backend="triton")[0].backward(do)
    for _ in range(5):
        call()
    torch.cuda.synchronize()
    stats = torch.cuda.memory_stats()
    if a.sync_debug:
        import warnings
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        call()
        torch.cuda.set_sync_debug_mode("default")
    t0 = time.perf_counter()
    host = []
    for _ in range(a.calls):
        s = time.perf_counter()
        call()
        host.append(time.perf_counter() - s)
    torch.cuda.synchronize()
    wall = (time.perf_counter() - t0) / a.calls
    host.sort()
    after = torch.cuda.memory_stats()
    grown = {k: after.get(k, 0) - stats.get(k, 0) for k in ("num_device_alloc", "num_device_free", "num_alloc_retries")}
    print(f"{a.spec} {'forward' if a.forward_only else 'forward+backward'}: host {1e3 * host[len(host) // 2]:.3f} ms "
          f"per call (median, no sync), wall {1e3 * wall:.3f} ms per call; over the timed calls the allocator's "
          + ", ".join(f"{k} +{v}" for k, v in grown.items()), flush=True)
    prof = cProfile.Profile()
    prof.enable()
    for _ in range(a.calls):
        call()
    torch.cuda.synchronize()
    prof.disable()
    pstats.Stats(prof).sort_stats("tottime").print_stats(a.top)


if __name__ == "__main__":
    main()
