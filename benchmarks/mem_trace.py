"""Peak-memory breakdown of one spec's forward+backward on the GPU (not a test):

    python3 benchmarks/mem_trace.py --spec deltanet --shape 2,16384,16,128 --out $OUT

Records the CUDA caching allocator's history (torch.cuda.memory._record_memory_history) over one bf16
forward+backward, replays it to the moment of the peak and prints the tensors alive then, largest first, each with
the innermost lindsl (or generated-module) source line that allocated it. The pickled snapshot goes to --out for
torch's memory_viz.
"""
import argparse
import os
import pickle
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_suite import lindsl_fns  # noqa: E402


def where(frames):
    """The innermost frame in lindsl's package or a generated module, else the innermost frame."""
    for f in frames:
        name = f.get("filename", "")
        if "lindsl" in name and "mem_trace" not in name:
            return f"{os.path.basename(name)}:{f.get('line')} {f.get('name')}"
    return f"{os.path.basename(frames[0]['filename'])}:{frames[0]['line']}" if frames else "?"


def live_at_peak(trace):
    """Replay alloc/free events: (peak bytes, {addr: (size, frames)} alive at the peak)."""
    live, cur, peak, at_peak = {}, 0, 0, {}
    for e in trace:
        if e["action"] == "alloc":
            live[e["addr"]] = (e["size"], e.get("frames", []))
            cur += e["size"]
            if cur > peak:
                peak, at_peak = cur, dict(live)
        elif e["action"] == "free_completed" and e["addr"] in live:
            cur -= live.pop(e["addr"])[0]
    return peak, at_peak


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spec", default="deltanet")
    p.add_argument("--shape", default="2,16384,16,128")
    p.add_argument("--out", default=os.environ.get("OUT", "."))
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args()
    B, T, H, D = map(int, a.shape.split(","))
    _, fb, _ = lindsl_fns(a.spec, B, T, H, D)
    fb()
    torch.cuda.synchronize()
    base = torch.cuda.memory_allocated()
    torch.cuda.reset_peak_memory_stats()
    torch.cuda.memory._record_memory_history(max_entries=100000)
    fb()
    torch.cuda.synchronize()
    snap = torch.cuda.memory._snapshot()
    torch.cuda.memory._record_memory_history(enabled=None)
    peak_total = torch.cuda.max_memory_allocated()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, f"mem_{a.spec}_{'x'.join(map(str, (B, T, H, D)))}.pickle"), "wb") as fh:
        pickle.dump(snap, fh)
    trace = [e for dev in snap["device_traces"] for e in dev]
    peak, alive = live_at_peak(trace)
    print(f"{a.spec} {B}x{T}x{H}x{D}: max_memory_allocated {peak_total / 2**20:.0f} MiB; before the call "
          f"{base / 2**20:.0f} MiB (inputs, their gradients); the call's own peak {peak / 2**20:.0f} MiB")
    rows = {}
    for size, frames in alive.values():
        key = where(frames)
        n, s = rows.get(key, (0, 0))
        rows[key] = (n + 1, s + size)
    for key, (n, s) in sorted(rows.items(), key=lambda kv: -kv[1][1])[:a.top]:
        print(f"  {s / 2**20:9.1f} MiB  {n:3d} tensor(s)  {key}")


if __name__ == "__main__":
    main()
