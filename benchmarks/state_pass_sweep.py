"""Launch configurations of the state pass without rank-one factors (one GPU run, not a test): for each key gate
(none, scalar, per-dimension) with the chunk-state dtypes the engine uses, and fla's benchmark shapes at D = 128, the CUDA kernel time of
`_state_kernel` (torch.profiler, mean of 5 after a warm-up) under every (STATE_BK, STATE_BV, STATE_WARPS,
STORE_H_STAGES) of a small grid, next to the engine's default. Prints one line per case with the default, the best
configuration and its time, and writes every time to state_pass_sweep.json:

    python3 benchmarks/state_pass_sweep.py --out $OUT
"""
import argparse
import itertools
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lindsl.runtime.triton_engine import chunk_scan_triton  # noqa: E402
from variant_sweep import with_env as _with_tune  # noqa: E402

SHAPES = [(4, 2048, 16, 128), (4, 4096, 64, 128), (1, 8192, 96, 128), (2, 16384, 16, 128)]
# (key gate, chunk states in bf16): the scalar gate's backward keeps fp32 states, every other pass bf16 ones
CASES = [("none", 1), ("scalar", 1), ("scalar", 0), ("vector", 1)]
# --rank-one: the delta rule's state pass (b = -beta k, a = k, the fold), ungated and with a scalar gate, as the
# forward runs it (bf16 products) and as the backward's rescan does (exact pseudo-values: tf32 with a gate); "adj"
# (--cases none:adj,scalar:adj): the backward's adjoint pass, unfolded, b and a swapped, q and dO as its k and v
R1_CASES = [("none", "fwd"), ("none", "bwd"), ("scalar", "fwd"), ("scalar", "bwd")]
R1_CONFIGS = [dict(STATE_BV=bv, STATE_WARPS=w, STORE_H_STAGES=st)
              for bv in (16, 32, 64) for w in (4, 8) for st in (1, 2, 3)]
TILES = [(128, 16), (128, 32), (128, 64), (64, 16), (64, 32), (64, 64), (32, 32), (32, 64)]
ITERS = 5


def sync():
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def kernel_ms(fn, name="_state_kernel"):
    fn()
    sync()
    if not torch.cuda.is_available():  # --smoke: the launches run, nothing is timed
        fn()
        return 0.0
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        for _ in range(ITERS):
            fn()
        sync()
    total = 0.0
    for e in prof.key_averages():
        if e.key.startswith(name):
            t = getattr(e, "self_device_time_total", None)
            total += (e.self_cuda_time_total if t is None else t) / 1e3 / ITERS
    return total


def with_env(env, fn):
    """fn() with LINDSL_TUNE_<key> = value for each (key, value) of env."""
    return _with_tune({k: str(v) for k, v in env.items()}, fn)


def sweep_parser(doc):
    """The arguments every sweep takes: --out, --budget (seconds after which no new case starts), --smoke."""
    p = argparse.ArgumentParser(description=doc.split("\n")[0])
    p.add_argument("--out", default=os.environ.get("OUT", "."))
    p.add_argument("--budget", type=float, default=400.0)
    p.add_argument("--smoke", action="store_true", help="CPU interpreter, one tiny shape, two configurations")
    return p


def sweep_setup(a):
    """(start time, device, shapes) of a parsed sweep; creates --out."""
    os.makedirs(a.out, exist_ok=True)
    return time.perf_counter(), torch.device("cpu" if a.smoke else "cuda"), [(1, 80, 2, 32)] if a.smoke else SHAPES


def main():
    p = sweep_parser(__doc__)
    p.add_argument("--rank-one", action="store_true", help="the delta rule's state pass instead")
    p.add_argument("--precision", default="bf16",
                   help="the state pass's products: bf16 (the forward), tf32 (the backward's passes), tf32x3")
    p.add_argument("--cases", default="", help="only these (gate:h_bf16,...), e.g. scalar:0,vector:1")
    p.add_argument("--shapes", default="", help="only these B,T,H,D (;-separated) instead of fla's four")
    a = p.parse_args()
    t0, dev, shapes = sweep_setup(a)
    if a.shapes and not a.smoke:
        shapes = [tuple(map(int, x.split(","))) for x in a.shapes.split(";")]
    rows = []
    configs = [dict(STATE_BK=bk, STATE_BV=bv, STATE_WARPS=w,
                    STORE_H_STAGES=s)
               for (bk, bv), w, s in itertools.product(TILES, (2, 4, 8), (2, 3)) if not (w == 2 and bk * bv > 4096)]
    if a.rank_one:
        configs = R1_CONFIGS
    configs = configs[:2] if a.smoke else configs
    cases = R1_CASES if a.rank_one else CASES
    if a.cases:
        cases = [(g_, int(h_) if h_.isdigit() else h_) for g_, h_ in (c.split(":") for c in a.cases.split(","))]
    for (gate, h_bf16), shape in itertools.product(cases, shapes):
        if time.perf_counter() - t0 > a.budget:
            print("time budget reached", flush=True)
            break
        B, T, H, D = shape
        N = B * H
        g = torch.Generator(device=dev).manual_seed(0)
        dt = torch.float32 if a.precision == "tf32x3" else torch.bfloat16  # tf32x3: the engine's mode for fp32 inputs
        k = torch.randn(N, T, 1, D, device=dev, generator=g, dtype=dt)
        v = torch.randn(N, T, 1, D, device=dev, generator=g, dtype=dt)
        gk = (None if gate == "none" else
              -torch.rand(N, T, device=dev, generator=g) if gate == "scalar" else
              -torch.rand(N, T, D, device=dev, generator=g))

        if a.rank_one:
            k = torch.nn.functional.normalize(k.float(), dim=-1).to(torch.bfloat16)
            beta = torch.rand(N, T, device=dev, generator=g)
            b = (-beta[:, :, None, None] * k.float()).to(torch.bfloat16)

            if h_bf16 == "adj":
                q = torch.nn.functional.normalize(torch.randn(N, T, 1, D, device=dev, generator=g), dim=-1)
                q = q.to(torch.bfloat16)

                def run():
                    return chunk_scan_triton(gk, None, k, b, q, v, None, [], precision="tf32", return_states=True,
                                             K=D, V=D)
            else:
                def run():
                    return chunk_scan_triton(gk, None, b, k, k, v, None, [], precision="bf16", return_states=True,
                                             fold=beta, exact_u=h_bf16 == "bwd", K=D, V=D)
        else:
            def run():
                return chunk_scan_triton(gk, None, None, None, k, v, None, [], precision=a.precision, return_states=True,
                                         K=D, V=D)

        def states():
            _, ST, _, h, _ = run()
            return torch.cat([ST.float().flatten(), h.float().flatten()])

        case = {"gate": gate, "h_bf16": h_bf16, "shape": shape, "precision": a.precision, "times": {}, "errors": {}}
        base = ({"H_BF16": 1} if h_bf16 == "fwd" else {}) if a.rank_one else {"H_BF16": h_bf16}
        case["default"] = with_env(base, lambda: kernel_ms(run))
        ref = with_env(base, states)
        for cfg in configs:
            label = ",".join(f"{k_}={v_}" for k_, v_ in cfg.items())
            try:
                case["times"][label] = with_env({**base, **cfg}, lambda: kernel_ms(run))
                # every configuration's chunk states and final state against the default's (a configuration that
                # miscompiles shows here: benchmarks are no place to trust a launch that was never checked)
                got = with_env({**base, **cfg}, states)
                case["errors"][label] = float(((got - ref).norm() / ref.norm()).item())
            except Exception as e:  # a configuration that does not fit is a result
                case["times"][label] = repr(e)[:120]
                print(f"  FAILED {label}: {case['times'][label]}", flush=True)
        ok = {k_: t for k_, t in case["times"].items() if isinstance(t, float) and case["errors"][k_] < 1e-3}
        bad = sorted(k_ for k_, e in case["errors"].items() if not e < 1e-3)
        if bad:
            print(f"  WRONG ({gate}, {shape}): " + "; ".join(f"{b} {case['errors'][b]:.2e}" for b in bad), flush=True)
        best = min(ok, key=ok.get)
        top = sorted(ok, key=ok.get)[:4]
        print(f"{gate:6s} {'mode' if a.rank_one else 'h_bf16'}={h_bf16} {'x'.join(map(str, shape)):16s} default {case['default']:.3f} ms | best "
              f"{ok[best]:.3f} ({best}) | next " + "; ".join(f"{t} {ok[t]:.3f}" for t in top[1:]), flush=True)
        rows.append(case)
        del k, v, gk
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    name = "state_pass_sweep" + ("_r1" if a.rank_one else "") + ("" if a.precision == "bf16" else "_" + a.precision)
    with open(os.path.join(a.out, name + ".json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
