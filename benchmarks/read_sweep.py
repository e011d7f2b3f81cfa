"""Launch configurations of the read kernels (one GPU run, not a test): the reads of the forward and of the
backward (the largest phase of every family's forward+backward in session 14's profiles: RetNet 1.74 of 4.45 ms,
GLA 3.67 of 9.81, DeltaNet 3.80 of 9.73 at 2x16384x16x128) run from given chunk states (chunk_scan_triton's
states=), so only the read kernels are timed (torch.profiler, mean of 5) under every configuration of a small grid
of LINDSL_TUNE_* knobs, each checked against the default's output. Cases: a scalar key gate read from either side
with the backward's fp32 states and tf32 products, and the forward's bf16 read; the delta rule's (fold) forward
read and the backward's value-side read, its unfolded (adjoint) reads from either side; per-dimension gates
(sub-chunked reads) from either side:

    python3 benchmarks/read_sweep.py --out $OUT [--cases scalar_v_fp32,vector_v_tf32] [--smoke] [--verbose]

--verbose names each configuration before it runs. A CUDA error (torch's "CUDA error", Triton's "Triton Error
[CUDA]: an illegal memory access") stops the sweep, naming the first configuration that raised it (with
CUDA_LAUNCH_BLOCKING=1 the one that faulted, or the one after it): session 15's calls lost their scalar_k_bf16 rows
to an illegal memory access that the per-configuration try/except hid.
"""
import itertools
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lindsl.runtime.triton_engine import chunk_scan_triton  # noqa: E402
from state_pass_sweep import kernel_ms, sweep_parser, sweep_setup, with_env  # noqa: E402

READ_KERNELS = ("_read", "_sub_", "_plain_scores")
# (key gate, side the read contracts, products, chunk states in bf16, rank-one factor: "fold", "unfolded" or None)
CASES = {
    "scalar_v_fp32": ("scalar", "v", "tf32", 0, None),  # the backward's S dO and dS v
    "scalar_k_fp32": ("scalar", "k", "tf32", 0, None),  # the backward's dS^T k
    "scalar_k_bf16": ("scalar", "k", "bf16", 1, None),  # the forward's S^T q (unfused)
    "fold_k_bf16": ("none", "k", "bf16", 1, "fold"),  # DeltaNet's forward read
    "fold_v_tf32": ("none", "v", "tf32", 1, "fold"),  # DeltaNet's backward S dO
    "r1_v_tf32": ("none", "v", "tf32", 1, "unfolded"),  # DeltaNet's adjoint reads dS v and dS u
    "r1_k_tf32": ("none", "k", "tf32", 1, "unfolded"),  # DeltaNet's adjoint read dS^T k
    "vector_k_bf16": ("vector", "k", "bf16", 1, None),  # GLA's forward read (sub-chunked)
    "vector_v_tf32": ("vector", "v", "tf32", 1, None),  # GLA's backward S dO (gated read-out)
}
PLAIN = [dict(READ_BO=bo, READ_WARPS=w, READ_STAGES=st, READ_BK=bk)
         for bo, w, st, bk in itertools.product((32, 64, 128), (4, 8), (1, 2), (64, 128))]
SUB_K = [dict(READ_BO=bo, SUB_OFF_WARPS=ow, SUB_DIAG_WARPS=dw)
         for bo, ow, dw in itertools.product((64, 128), (1, 2), (2, 4))]
SUB_V = [dict(READ_BO=bo, SUB_GATED_WARPS=gw, SUB_PLAIN_WARPS=pw)
         for bo, gw, pw in itertools.product((64, 128), (2, 4, 8), (4, 8))]


def save(out, rows):
    with open(os.path.join(out, "read_sweep.json"), "w") as f:
        json.dump(rows, f, indent=1)


def configs_of(gate, side):
    if gate != "vector":
        return PLAIN
    return SUB_K if side == "k" else SUB_V


def main():
    p = sweep_parser(__doc__)
    p.add_argument("--cases", default=",".join(CASES))
    p.add_argument("--verbose", action="store_true")
    a = p.parse_args()
    t0, dev, shapes = sweep_setup(a)
    rows = []
    for case, shape in itertools.product(a.cases.split(","), shapes):
        if time.perf_counter() - t0 > a.budget:
            print("time budget reached", flush=True)
            break
        gate, side, prec, h_bf16, rank_one = CASES[case]
        fold = rank_one == "fold"
        B, T, H, D = shape
        N = B * H
        g = torch.Generator(device=dev).manual_seed(0)
        bf = torch.bfloat16
        k = torch.nn.functional.normalize(torch.randn(N, T, 1, D, device=dev, generator=g), dim=-1).to(bf)
        v = torch.randn(N, T, 1, D, device=dev, generator=g).to(bf)
        x = torch.randn(N, T, D, device=dev, generator=g).to(bf)
        gk = (None if gate == "none" else -torch.rand(N, T, device=dev, generator=g) if gate == "scalar"
              else -torch.rand(N, T, D, device=dev, generator=g))
        beta = torch.rand(N, T, device=dev, generator=g) if rank_one else None
        b = (-beta[:, :, None, None] * k.float()).to(bf) if rank_one else None
        a_ = k if rank_one else None
        base = {"H_BF16": h_bf16}

        def scan(reads, states=None):
            return chunk_scan_triton(gk, None, b, a_, k, v, None, reads, precision=prec, return_states=states is None,
                                     fold=beta if fold else None, exact_u=prec != "bf16", states=states, K=D, V=D)

        _, ST, u, hs, _ = with_env(base, lambda: scan([]))
        states = (hs, u, ST)

        def run():
            return scan([(side, "after", x)], states)

        def out():
            return run()[0][0].float()

        row = {"case": case, "shape": shape, "times": {}, "errors": {}}
        row["default"] = with_env(base, lambda: kernel_ms(run, READ_KERNELS))
        ref = with_env(base, out)
        for cfg in configs_of(gate, side)[:2 if a.smoke else None]:
            label = ",".join(f"{k_}={v_}" for k_, v_ in cfg.items())
            if a.verbose:
                print(f"  {case} {shape} {label}", flush=True)
            try:
                row["times"][label] = with_env({**base, **cfg}, lambda: kernel_ms(run, READ_KERNELS))
                got = with_env({**base, **cfg}, out)
                row["errors"][label] = float(((got - ref).norm() / ref.norm()).item())
            except Exception as e:  # a configuration that does not compile or fit is a result
                row["times"][label] = repr(e)[:120]
                if "illegal" in repr(e) or "CUDA error" in repr(e):  # the context is lost: every later launch fails
                    print(f"  CUDA error in {case} {shape} {label} (the first configuration to raise; with "
                          f"CUDA_LAUNCH_BLOCKING=1 the one that faulted): {e!r}"[:400], flush=True)
                    save(a.out, rows + [row])
                    sys.exit(1)
        ok = {k_: t for k_, t in row["times"].items() if isinstance(t, float) and row["errors"][k_] < 1e-2}
        bad = sorted(k_ for k_, e in row["errors"].items() if not e < 1e-2)
        if bad:
            print(f"  WRONG ({case}, {shape}): " + "; ".join(f"{b_} {row['errors'][b_]:.2e}" for b_ in bad), flush=True)
        top = sorted(ok, key=ok.get)[:3]
        print(f"{case:14s} {'x'.join(map(str, shape)):16s} default {row['default']:.3f} ms | "
              + "; ".join(f"{t} {ok[t]:.3f}" for t in top), flush=True)
        rows.append(row)
        if torch.cuda.is_available():
            torch.cuda.empty_cache()
    save(a.out, rows)


if __name__ == "__main__":
    main()
