"""Interleaved A/B of LINDSL_TUNE_* variants for Based at its paper's sizes (K 16, V 64: F 273) in one process (not a
test; GPU only). The host's speed moves between processes (session 51: Based's forward at 8x2048x16 is host-bound,
and separate processes said the opposite of this A/B), so every variant is timed round after round in the same
process, its environment set before its turn; per variant the median over rounds of do_bench's medians, forward
and forward+backward, and each variant's output and gradients against the baseline's (largest difference relative
to the baseline's largest magnitude):

    python3 benchmarks/based_ab.py --shape 8x2048x16x16x64 --variants "KERNEL_SCORES=0;REV_SOURCES=1" --rounds 6
"""
import argparse
import os
import statistics
import sys

import torch

import lindsl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from based_bench import inputs  # noqa: E402
from gpu_suite import time_ms  # noqa: E402
from variant_sweep import parse_variants, with_env  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shape", default="8x2048x16x16x64")
    ap.add_argument("--variants", default="KERNEL_SCORES=0")
    ap.add_argument("--rounds", type=int, default=6)
    a = ap.parse_args()
    op = lindsl.load("based")
    q, k, v = inputs(*map(int, a.shape.split("x")))
    do = torch.randn_like(v)
    variants = parse_variants(a.variants)

    def results():
        o = op(q, k, v, backend="triton")[0]
        return [o.detach().float()] + [g.float() for g in torch.autograd.grad((o.float() * do.float()).sum(),
                                                                             (q, k, v))]

    def fwd():
        with torch.no_grad():
            op(q, k, v, backend="triton")

    def fb():
        op(q, k, v, backend="triton")[0].backward(do)
    base = with_env(variants[0], results)
    diffs = []
    for env in variants:
        got = with_env(env, results)
        diffs.append(max(float((x - y).abs().max() / y.abs().max()) for x, y in zip(got, base)))
    times = [([], []) for _ in variants]
    for _ in range(a.rounds):
        for env, (f, b) in zip(variants, times):
            f.append(with_env(env, lambda: time_ms(fwd)))
            b.append(with_env(env, lambda: time_ms(fb)))
    print(f"Based {a.shape} on {torch.cuda.get_device_name()}, {a.rounds} interleaved rounds (ms, medians):")
    for env, (f, b), d in zip(variants, times, diffs):
        name = ",".join(f"{k}={x}" for k, x in env.items()) or "default"
        print(f"  {name:40s} forward {statistics.median(f):.3f}  forward+backward {statistics.median(b):.3f}  "
              f"difference from the default {d:.1e}", flush=True)


if __name__ == "__main__":
    main()
