"""Where the time goes, per phase: CUDA kernel time of lindsl's and fla's forward and forward+backward, grouped by
phase (torch.profiler, mean of 3 iterations after a warm-up). Issue 4 asks, for every family below 1.0x fla, which
phase holds it back, with the measurement: this prints it. GPU only:

    python3 benchmarks/profile_phases.py --specs deltanet,gla --shape 2,16384,16,128 --out $OUT

fla's autotune is skipped with the configs saved by fla_table.py (benchmarks/fla_configs.json). With several
processes per GPU, pass --lock and --barrier/--peers: session 6's first profile call had neither barrier nor warm-up
phase, and a few profiles overlapped other processes' first calls (their kernel times came out 15-100 % high).
"""
import argparse
import contextlib
import json
import os
import re
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fla_table  # noqa: E402
import gpu_suite as gs  # noqa: E402

PHASES = [  # (phase, pattern on the kernel name), first match wins
    ("WY system", r"^_prep"),
    ("state pass", r"^_state_kernel"),
    ("reads", r"^_read"),
    ("gate boundary sums", r"^_boundary"),
    ("prologue/epilogue (inductor)", r"^triton_"),
    ("PyTorch glue (copies, flips, casts, sums)", r"at::native|Memcpy|Memset|CatArray|cub|void"),
]
ITERS = 3


def phase_of(name, who):
    if who == "fla" and not re.search(PHASES[-1][1], name):
        return name
    for phase, pat in PHASES:
        if re.search(pat, name):
            return phase
    return "other: " + name[:40]


def profile(fn, who):
    fn()
    torch.cuda.synchronize()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        for _ in range(ITERS):
            fn()
        torch.cuda.synchronize()
    out, raw = {}, {}
    for e in prof.key_averages():
        t = getattr(e, "self_device_time_total", None)
        t = e.self_cuda_time_total if t is None else t
        if t <= 0:
            continue
        ph = out.setdefault(phase_of(e.key, who), [0.0, 0])
        ph[0] += t / 1e3 / ITERS
        ph[1] += e.count // ITERS
        raw[e.key] = [t / 1e3 / ITERS, e.count // ITERS]
    return (dict(sorted(out.items(), key=lambda kv: -kv[1][0])),
            dict(sorted(raw.items(), key=lambda kv: -kv[1][0])))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--specs", required=True)
    p.add_argument("--shape", default="2,16384,16,128")
    p.add_argument("--fla-configs", default="benchmarks/fla_configs.json")
    p.add_argument("--lock", default="", help="file lock shared by processes on this GPU: profiles taken one at a time")
    p.add_argument("--barrier", default="", help="directory shared by the processes on this GPU: profile after all "
                                                  "--peers made their first calls (or --deadline seconds passed)")
    p.add_argument("--peers", type=int, default=1)
    p.add_argument("--deadline", type=float, default=150)
    p.add_argument("--detail", type=int, default=0, help="also print lindsl's N most expensive kernels by name")
    p.add_argument("--out", default=os.environ.get("OUT", "."))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    B, T, H, D = map(int, a.shape.split(","))
    import importlib
    for name in a.specs.split(","):
        importlib.import_module(f"fla.ops.{gs.FLA_OPS[name][0]}")
    print(f"loaded {fla_table.load_configs(a.fla_configs)} fla configs", flush=True)
    makers = (("lindsl", gs.lindsl_fns), ("fla", gs.fla_fns))
    for name in a.specs.split(","):  # first calls (compiles) before the barrier: no peer's GPU work during profiles
        for who, make in makers:
            try:
                make(name, B, T, H, D)
            except Exception as e:
                print(f"warm {name} {who}: {e!r}", flush=True)
            torch.cuda.empty_cache()
    if a.barrier:
        fla_table.wait_for_peers(a.barrier, f"{a.specs}{os.getpid()}", a.peers, a.deadline)
    res = {}
    for name in a.specs.split(","):
        res[name] = {}
        for who, make in makers:
            try:
                with fla_table.gpu_lock(a.lock) if a.lock else contextlib.nullcontext():
                    f1, f2, _ = make(name, B, T, H, D)
                    (fwd, fwd_raw), (fb, fb_raw) = profile(f1, who), profile(f2, who)
                    res[name][who] = dict(fwd=fwd, fb=fb, fwd_kernels=fwd_raw, fb_kernels=fb_raw)
                del f1, f2
            except Exception as e:
                res[name][who] = dict(error=repr(e))
            torch.cuda.empty_cache()
        with open(os.path.join(a.out, f"profile_phases_{a.specs.replace(',', '_')}.json"), "w") as fh:
            json.dump(dict(shape=[B, T, H, D], gpu=torch.cuda.get_device_name(), rows=res), fh, indent=1)
        for who in ("lindsl", "fla"):
            r = res[name][who]
            if "error" in r:
                print(f"{name} {who}: {r['error']}", flush=True)
                continue
            for part in ("fwd", "fb"):
                tot = sum(v[0] for v in r[part].values())
                items = "; ".join(f"{k} {v[0]:.3f} ms ({v[1]})" for k, v in list(r[part].items())[:7])
                print(f"{name} {who} {part} {a.shape}: kernels {tot:.3f} ms = {items}", flush=True)
                if a.detail and who == "lindsl":
                    for k, v in list(r[part + "_kernels"].items())[:a.detail]:
                        print(f"    {v[0]:7.3f} ms ({v[1]:2d}) {k[:150]}", flush=True)


if __name__ == "__main__":
    main()
