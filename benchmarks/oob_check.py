"""One forward+backward of a library spec on the GPU at the rows tests' odd sizes, synchronising after each phase, so
that CUDA_LAUNCH_BLOCKING=1 or compute-sanitizer names the launch that faults (a sticky CUDA error otherwise surfaces
at a later launch). One case per process (a fault ends the context):

    CUDA_LAUNCH_BLOCKING=1 python3 benchmarks/oob_check.py deltanet --rows-grad 1 --T 18 --chunk 16
"""
import argparse
import os
import traceback

import torch

import lindsl
from lindsl.check import random_inputs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("spec")
    p.add_argument("--rows-grad", default="0", help="LINDSL_TUNE_ROWS_GRAD for the call")
    p.add_argument("--B", type=int, default=1)
    p.add_argument("--T", type=int, default=18)
    p.add_argument("--H", type=int, default=2)
    p.add_argument("--sizes", default="K=5,V=12,M=2")
    p.add_argument("--chunk", type=int, default=16)
    p.add_argument("--dtype", default="float32")
    a = p.parse_args()
    os.environ["LINDSL_TUNE_ROWS_GRAD"] = a.rows_grad
    sizes = {k: int(v) for k, v in (kv.split("=") for kv in a.sizes.split(","))}
    op = lindsl.load(a.spec)
    base = random_inputs(op.spec, a.B, a.T, a.H, sizes, torch.float32, gate_scale=2.0, seed=7)
    xs = [x.to("cuda", getattr(torch, a.dtype)).requires_grad_(True) for x in base.values()]
    phase = "forward"
    try:
        o, f = op(*xs, backend="triton", output_final_state=True, chunk_size=a.chunk)
        torch.cuda.synchronize()
        phase = "backward"
        outs = [o] if torch.is_tensor(o) else list(o)
        loss = sum(y.float().sum() for y in outs) + f.float().sum() * 0.5
        loss.backward()
        torch.cuda.synchronize()
        print(f"OK {a.spec} rows_grad={a.rows_grad} T={a.T} chunk={a.chunk} {a.dtype}")
    except Exception:
        traceback.print_exc()
        print(f"FAULT {a.spec} rows_grad={a.rows_grad} T={a.T} chunk={a.chunk} {a.dtype} in the {phase}")


if __name__ == "__main__":
    main()
