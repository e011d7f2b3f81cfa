"""Interleaved A/B of the eager decode step's host-side variants in one process (one run on the GPU machine, not a
test):

    python3 benchmarks/decode_ab.py --specs retnet,gla --batches 64,256 --variants "DECODE_PROLOGUE=eager" --rounds 5

A decode step at batch 64 is a few microseconds of kernels under a fraction of a millisecond of host work, so its
eager time is the host's and moves between processes (session 34, call 1: RetNet's eager step 0.575 ms at batch 64
and 0.273 at batch 256). Per spec and batch this times, round after round in one process, lindsl's eager step under
each variant (LINDSL_TUNE_* knobs, read at every call), lindsl's CUDA-graphed step (op.graphed_step), and fla's
fused_recurrent eager and graphed, and reports medians over rounds of do_bench's medians and each step's peak memory
above what was allocated before it. Each variant's output is compared with the baseline's.
"""
import argparse
import os
import statistics
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lindsl  # noqa: E402
from gpu_suite import FLA_DECODE, fla_decode_call, graphed_call, peak_mb, time_ms  # noqa: E402
from lindsl.check import default_sizes, random_inputs  # noqa: E402
from lindsl.runtime.naive import state_shape  # noqa: E402
from variant_sweep import parse_variants, with_env  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--specs", default="retnet,gla")
    p.add_argument("--batches", default="64,256")
    p.add_argument("--heads", type=int, default=16)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--variants", default="DECODE_PROLOGUE=eager")
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    variants = parse_variants(a.variants)
    labels = [",".join(f"{k}={v}" for k, v in env.items()) or "default" for env in variants]
    H, D = a.heads, a.dim
    for name in a.specs.split(","):
        op = lindsl.load(name)
        sizes = default_sizes(op.spec, K=D, V=D, M=4)
        for B in map(int, a.batches.split(",")):
            args = [v.to(torch.bfloat16) for v in random_inputs(op.spec, B, 1, H, sizes, torch.float32, 1.0, 0,
                                                                 device="cuda").values()]
            st = tuple(torch.zeros(state_shape(s, B, H, sizes), device="cuda") for s in op.spec.states)
            st = st[0] if len(st) == 1 else st

            def step():
                return op.step(*args, initial_state=st, output_final_state=True)
            calls = {label: (env, step) for env, label in zip(variants, labels)}
            ref = step()[0].float()
            diffs = {label: ((with_env(env, step)[0].float() - ref).abs().max() / ref.abs().max()).item()
                     for env, label in zip(variants, labels)}
            graphed = op.graphed_step(*args, initial_state=st)
            calls["lindsl graphed"] = ({}, lambda: graphed(*args))
            if name in FLA_DECODE:
                fla = fla_decode_call(name, B, H, D)
                fla()
                calls["fla"] = ({}, fla)
                try:
                    calls["fla graphed"] = ({}, graphed_call(fla))
                except Exception as e:  # a capture fla's op does not allow
                    print(f"  fla graphed: {e!r}", flush=True)
            mems = {label: with_env(env, lambda: peak_mb(fn, above_current=True)) for label, (env, fn) in calls.items()}
            times = {label: [] for label in calls}
            for _ in range(a.rounds):
                for label, (env, fn) in calls.items():
                    times[label].append(with_env(env, lambda: time_ms(fn)))
            print(f"{name} batch {B} H {H} D {D}, medians over {a.rounds} interleaved rounds (ms per step):",
                  flush=True)
            for label, t in times.items():
                extra = f"diff {diffs[label]:.1e}" if label in diffs else ""
                print(f"  {label:40s} {statistics.median(t):7.4f}  {B / statistics.median(t) * 1e3:12.0f} tok/s  "
                      f"step peak {mems[label]:7.1f} MB  {extra}", flush=True)
            del calls, graphed
            torch.cuda.empty_cache()


if __name__ == "__main__":
    main()
