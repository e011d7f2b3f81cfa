"""Reproducer of session 49's GPU fault (not a test; run it on the lent GPU, also under compute-sanitizer): the
Triton engine's chunk scan with keys wider than 256 (Based's F = 273, padded to 512) and the reads after a stored-state
pass (LINDSL_TUNE_FUSE_READS=0), against the PyTorch engine in fp64 on the same inputs. On the H200 (triton 3.6)
the forward read faulted (invalid shared-memory reads in _read_kernel's source-row load) or gave wrong values in
chunks of 64 with bf16 products (session 50: 0.27 relative error at 273 and at 288 keys alike, so not the rows'
alignment; right with tf32 products and in chunks of 32 or 16, which triton_chunk now takes above 256 keys); the
interpreter's are right. One line per configuration:

    python3 benchmarks/wide_read_repro.py [--K 273] [--V 64] [--T 1024] [--chunk 64] [--configs "READ_BK=64;..."]
        [--taylor 16]

(--chunk 64 reproduces the fault; without it the engine's chunk.) --taylor B: the keys and the reader are Based's
Taylor features of B-wide base vectors (K = 1 + B + B^2) and the reads take kernelized scores from the bases
(chunk_scan_triton's kernel_scores, session 51): whether chunks of 64 are right once the pair scores no longer
contract over the wide keys.
"""
import argparse
import os

import torch

from lindsl.runtime.engine import chunk_scan
from lindsl.runtime.triton_engine import chunk_scan_triton


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--K", type=int, default=273)
    ap.add_argument("--V", type=int, default=64)
    ap.add_argument("--T", type=int, default=1024)
    ap.add_argument("--N", type=int, default=8)
    ap.add_argument("--chunk", type=int, default=None, help="a forced chunk (default: the engine's, triton_chunk)")
    ap.add_argument("--taylor", type=int, default=None, metavar="B", help="Taylor features of B-wide bases, kernelized")
    ap.add_argument("--configs", default="FUSE_READS=1;FUSE_READS=0;FUSE_READS=0,READ_BK=32;"
                                          "FUSE_READS=0,READ_STAGES=2;FUSE_READS=0,READ_BK=128")
    a = ap.parse_args()
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    g = torch.Generator().manual_seed(0)
    N, T, K, V = a.N, a.T, a.K, a.V
    kernel = None
    if a.taylor:
        B = a.taylor
        K = 1 + B + B * B
        qb, kb = (torch.randn(N, T, B, generator=g).to(dev) for _ in range(2))

        def taylor(y):
            outer = (y[..., :, None] * y[..., None, :]).flatten(-2)
            return torch.cat([torch.ones_like(y[..., :1]), y / B ** 0.25, outer / (2 * B) ** 0.5], -1)
        k, x = taylor(kb).unsqueeze(-2), taylor(qb)
        kernel = (qb, kb, (1.0, B ** -0.5, 1 / (2 * B)))
    else:
        k = (torch.randn(N, T, 1, K, generator=g) / K ** 0.5).to(dev)
        x = (torch.randn(N, T, K, generator=g) / K ** 0.5).to(dev)
    v = torch.randn(N, T, 1, V, generator=g).to(dev)
    reads = [("k", "after", x)]
    ref = chunk_scan(None, None, None, None, k.double(), v.double(), None, [("k", "after", x.double())], K=K, V=V)
    for cfg in a.configs.split(";"):
        env = dict(kv.split("=") for kv in cfg.split(","))
        old = {n: os.environ.get("LINDSL_TUNE_" + n) for n in env}
        os.environ.update({"LINDSL_TUNE_" + n: val for n, val in env.items()})
        try:
            for dtype, precision in ((torch.float32, "tf32x3"), (torch.bfloat16, "bf16")):
                scores = None if kernel is None else {0: (kernel[0].to(dtype), kernel[1].to(dtype), kernel[2])}
                out = chunk_scan_triton(None, None, None, None, k.to(dtype), v.to(dtype), None,
                                        [(s, t, r.to(dtype)) for s, t, r in reads], K=K, V=V, precision=precision,
                                        chunk=a.chunk, force_chunk=a.chunk is not None, kernel_scores=scores)
                if dev == "cuda":
                    torch.cuda.synchronize()
                o, o_ref = out[0][0].double(), ref[0][0]
                err = float((o - o_ref).norm() / o_ref.norm())
                print(f"{cfg:32s} {str(dtype):15s} relative error {err:.2e}", flush=True)
        except Exception as e:  # a fault ends the CUDA context: later lines would only repeat it
            print(f"{cfg:32s} {type(e).__name__}: {str(e)[:160]}", flush=True)
            if type(e).__name__ != "OutOfResources":  # a launch refused before it ran leaves the context usable
                break
        finally:
            for n, val in old.items():
                if val is None:
                    os.environ.pop("LINDSL_TUNE_" + n, None)
                else:
                    os.environ["LINDSL_TUNE_" + n] = val


if __name__ == "__main__":
    main()
