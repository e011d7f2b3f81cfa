"""Interleaved A/B of host-side variants in one process (one run on the GPU machine, not a test):

    python3 benchmarks/host_ab.py --specs mamba2 --shapes 4,2048,16,128 \
        --variants "BWD_GLUE=eager;PROLOGUE=eager,EPILOGUE=eager,BWD_GLUE=eager" --rounds 5

One spec and shape per process (benchmarks/sweeps/s33_call2.sh loops over them): a second shape in the same process
makes the compiled glue recompile with dynamic shapes (session 17).

Where the host bounds a row its wall clock moves with the machine's host between processes (session 33, call 1:
GLA's unchanged forward 0.970 ms in one process, 0.604 in the next), so an A/B of variants that change only what
the host does (which glue torch.compile takes, how the launches are made) times them in the same process, round
after round, each variant's environment set before its turn (LINDSL_TUNE_* knobs are read at every call), and
reports per variant the median over rounds of do_bench's medians, with fla's op timed in the same rounds. Each
variant's output and input gradients are compared with the baseline's (bf16 inputs: the largest difference relative
to the baseline's largest magnitude), and its peak memory reported. Only for knobs that leave the compiled
functions' inputs alone (a variant that changes them makes the glue recompile with dynamic shapes: use
variant_sweep.py --isolate).
"""
import argparse
import os
import statistics
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_suite import fla_fns, lindsl_fns, peak_mb, time_ms  # noqa: E402
from variant_sweep import parse_variants, with_env  # noqa: E402


def outputs(call_out, xs, do):
    """The output and every input gradient of one forward+backward (fp32 copies)."""
    for x in xs:
        x.grad = None
    out = call_out()
    out.backward(do)
    return [out.detach().float()] + [x.grad.float() for x in xs if x.grad is not None]


def largest_difference(a, b):
    return max(((x - y).abs().max() / y.abs().max().clamp_min(1e-30)).item() for x, y in zip(a, b))


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--specs", default="mamba2,gla")
    p.add_argument("--shapes", default="4,2048,16,128;2,16384,16,128")
    p.add_argument("--variants", default="BWD_GLUE=eager")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--no-fla", action="store_true")
    a = p.parse_args()
    variants = parse_variants(a.variants)
    labels = [",".join(f"{k}={v}" for k, v in env.items()) or "default" for env in variants]
    for name in a.specs.split(","):
        for shape in a.shapes.split(";"):
            B, T, H, D = map(int, shape.split(","))
            fwd, fb, _ = lindsl_fns(name, B, T, H, D)
            call_out, xs, do = fb.call_out, fb.inputs, fb.grad_out
            ref = None
            diffs, mems = {}, {}
            for env, label in zip(variants, labels):  # each from no gradients held, before any results are kept
                for x in xs:
                    x.grad = None
                mems[label] = with_env(env, lambda: peak_mb(fb))
            for env, label in zip(variants, labels):
                got = with_env(env, lambda: outputs(call_out, xs, do))
                ref = got if ref is None else ref
                diffs[label] = largest_difference(got, ref)
            del ref, got
            fla = None if a.no_fla else fla_fns(name, B, T, H, D)
            times = {label: ([], []) for label in labels + (["fla"] if fla else [])}
            for _ in range(a.rounds):
                for env, label in zip(variants, labels):
                    times[label][0].append(with_env(env, lambda: time_ms(fwd)))
                    times[label][1].append(with_env(env, lambda: time_ms(fb)))
                if fla:
                    times["fla"][0].append(time_ms(fla[0]))
                    times["fla"][1].append(time_ms(fla[1]))
            print(f"{name} {B}x{T}x{H}x{D}, medians over {a.rounds} interleaved rounds (ms):", flush=True)
            for label, (f, g) in times.items():
                extra = (f"diff {diffs[label]:.1e} peak {mems[label]:6.0f} MB" if label in diffs else "")
                print(f"  {label:48s} fwd {statistics.median(f):7.3f} f+b {statistics.median(g):7.3f}  {extra}",
                      flush=True)
            del fwd, fb, fla
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
