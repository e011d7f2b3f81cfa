"""Every kernel launch of one forward+backward in launch order, with what the CUDA trace knows of it: time, grid,
block, registers per thread, shared memory and the estimated achieved occupancy (torch.profiler's Chrome trace).
profile_phases.py sums launches by kernel name; this tells apart the launches of one kernel (Gated DeltaNet's four
_read_kernel launches, its three state passes) and shows which are short of programs or occupancy. GPU only:

    python3 benchmarks/launch_trace.py --specs gated_deltanet,mamba2 --shape 2,16384,16,128 --out $OUT
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fla_table  # noqa: E402
import gpu_suite as gs  # noqa: E402

def show(rows, min_us=0.0):
    for r in rows:
        if r["us"] < min_us:
            continue
        grid = "x".join(map(str, r["grid"] or [])) or "?"
        print(f"  {r['us']:8.1f} us  grid {grid:>14}  block {r['block'][0] if r['block'] else '?':>4}  "
              f"regs {r['registers per thread'] or '?':>3}  smem {r['shared memory'] or 0:>6}  "
              f"occ {r['est. achieved occupancy %'] if r['est. achieved occupancy %'] is not None else '?':>3}  "
              f"{r['name'][:90]}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--specs", required=True)
    p.add_argument("--shape", default="2,16384,16,128")
    p.add_argument("--fla", action="store_true", help="also fla's launches")
    p.add_argument("--no-lindsl", action="store_true", help="fla's launches only (with --fla)")
    p.add_argument("--fla-configs", default="benchmarks/fla_configs.json")
    p.add_argument("--out", default=os.environ.get("OUT", "."))
    p.add_argument("--min-us", type=float, default=0.0, help="list only launches of at least this many us")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    B, T, H, D = map(int, a.shape.split(","))
    makers = [] if a.no_lindsl else [("lindsl", gs.lindsl_fns)]
    if a.fla:
        fla_table.load_configs(a.fla_configs)
        makers.append(("fla", gs.fla_fns))
    res = {}
    for name in a.specs.split(","):
        for who, make in makers:
            try:
                fwd, fb, _ = make(name, B, T, H, D)
                rows = gs.kernel_launches(fb)
            except Exception as e:  # one failing family does not hide the others' traces
                print(f"{name} {who}: {e!r}", flush=True)
                continue
            res[f"{name}/{who}"] = rows
            print(f"{name} {who} forward+backward {a.shape}: {len(rows)} launches, "
                  f"{sum(r['us'] for r in rows) / 1e3:.3f} ms", flush=True)
            show(rows, a.min_us)
            del fwd, fb
            torch.cuda.empty_cache()
            # written after every trace: a process cut by its timeout keeps the traces it finished (session 25)
            with open(os.path.join(a.out, "launch_trace.json"), "w") as fh:
                json.dump(dict(shape=[B, T, H, D], gpu=torch.cuda.get_device_name(), rows=res), fh, indent=1)


if __name__ == "__main__":
    main()
