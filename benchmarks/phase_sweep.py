"""Phase times of launch-parameter variants (one run on the GPU): for each spec and each variant (a set of
LINDSL_TUNE_* values, as in variant_sweep.py; the engine's defaults first), the forward's median time and the CUDA
kernel time per phase of the forward and of forward+backward (torch.profiler, as profile_phases.py). It has no
correctness check, so it can try many variants of one phase in one call; a variant that a default switches to
must then pass variant_sweep.py's check or the table's. GPU only, not a test:

    python3 benchmarks/phase_sweep.py --specs gated_deltanet --variants "STATE_PREC=bf16;STATE_BV=64" --out $OUT
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpu_suite as gs  # noqa: E402
from profile_phases import profile  # noqa: E402
from variant_sweep import parse_variants, with_env  # noqa: E402


def short(phases):
    return "; ".join(f"{k.split(' (')[0]} {v[0]:.3f}" for k, v in phases.items())


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.environ.get("OUT", "."))
    p.add_argument("--specs", required=True)
    p.add_argument("--variants", default="")
    p.add_argument("--shape", default="2,16384,16,128")
    p.add_argument("--no-backward", action="store_true", help="the forward only (each variant compiles less)")
    p.add_argument("--budget", type=float, default=400.0, help="seconds after which no new row starts")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    t_start = time.perf_counter()
    B, T, H, D = map(int, a.shape.split(","))
    rows = []
    for name in a.specs.split(","):
        fwd, fb, _ = gs.lindsl_fns(name, B, T, H, D)
        for env in parse_variants(a.variants):
            label = ",".join(f"{k}={v}" for k, v in env.items()) or "default"
            row = {"spec": name, "variant": label, "shape": a.shape}
            if time.perf_counter() - t_start > a.budget:
                row["error"] = "time budget"
            else:
                def measure():
                    fwd()
                    if not a.no_backward:
                        fb()
                    torch.cuda.synchronize()
                    row["fwd_ms"] = gs.time_ms(fwd)
                    row["fwd_phases"] = profile(fwd, "lindsl")
                    if not a.no_backward:
                        row["fb_phases"] = profile(fb, "lindsl")
                try:
                    with_env(env, measure)
                except Exception as e:  # a variant that does not compile or fit is a result, not a stop
                    row["error"] = repr(e)[:200]
            rows.append(row)
            if "error" in row:
                print(f"{name:16s} {label:44s} {row['error']}", flush=True)
                continue
            fbt = sum(v[0] for v in row.get("fb_phases", {}).values())
            print(f"{name:16s} {label:44s} fwd {row['fwd_ms']:7.3f} ms | {short(row['fwd_phases'])}", flush=True)
            if "fb_phases" in row:
                print(f"{'':61s} f+b kernels {fbt:7.3f} ms | {short(row['fb_phases'])}", flush=True)
    with open(os.path.join(a.out, "phase_sweep.json"), "w") as f:
        json.dump({"gpu": torch.cuda.get_device_name(), "torch": torch.__version__, "rows": rows}, f, indent=1)


if __name__ == "__main__":
    main()
