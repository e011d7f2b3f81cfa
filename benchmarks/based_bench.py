"""Based (library/based.lin: the Taylor-2 feature map of dim F = 1 + K + K^2, normalized) on the GPU: correctness
in bf16 against lindsl's PyTorch engine in fp64 on the same bf16-rounded inputs (and fla's parallel_based's error
against the same reference), then speed against fla's two Based kernels, fused_chunk_based (linear in T, the
second-order state expanded inside) and parallel_based (quadratic in T), the ratio taken to the faster of them, and
SDPA (causal softmax attention of head dim V). One table: medians of triton.testing.do_bench, ratios from the same
run, peak memory of forward+backward. Not a test: run it with the device tool.

    python3 benchmarks/based_bench.py [--shapes 8x2048x16x16x64,2x16384x16x16x64] [--check 2x1024x4x16x64]
        [--trace 8x2048x16x16x64]

--trace SHAPE: instead, lindsl's kernel launches of one forward and one forward+backward at SHAPE (time, grid,
registers), with the kernels' sums: where the time goes.
"""
import argparse
import sys

import torch
import torch.nn.functional as F

import lindsl
from lindsl.check import rel_rms

sys.path.insert(0, "benchmarks")
import gpu_suite as gs  # noqa: E402


def inputs(B, T, H, K, V, seed=0, dtype=torch.bfloat16):
    g = torch.Generator(device="cuda").manual_seed(seed)
    mk = lambda *s: torch.randn(*s, device="cuda", generator=g).to(dtype).requires_grad_(True)  # noqa: E731
    return mk(B, T, H, K), mk(B, T, H, K), mk(B, T, H, V)


def fla_based():
    """{label: call} of fla's Based kernels (empty when fla is absent or broken)."""
    try:
        from fla.ops.based import fused_chunk_based, parallel_based
    except Exception as e:
        print(f"fla's Based kernels unavailable: {type(e).__name__}: {e}")
        return {}
    return {"fla chunk": lambda q, k, v: fused_chunk_based(q, k, v),
            "fla parallel": lambda q, k, v: parallel_based(q, k, v)}


def check(op, fla, B, T, H, K, V):
    q, k, v = inputs(B, T, H, K, V, seed=1)
    do = torch.randn(B, T, H, V, device="cuda", generator=torch.Generator(device="cuda").manual_seed(2))
    ref = [x.detach().double().requires_grad_(True) for x in (q, k, v)]
    o_ref = op(*ref, backend="torch", chunk_size=16)[0]
    g_ref = torch.autograd.grad((o_ref * do.double()).sum(), ref)
    rows = []
    for label, call in [("lindsl", lambda *x: op(*x, backend="triton")[0])] + list(fla.items()):
        try:
            o = call(q, k, v)
            g = torch.autograd.grad((o.float() * do).sum(), (q, k, v))
        except Exception as e:  # one library's failure must not hide the others' checks
            print(f"check {label}: {type(e).__name__}: {str(e)[:200]}", flush=True)
            rows.append(label != "lindsl")
            continue
        errs = [("o", rel_rms(o, o_ref))] + [(f"d{n}", rel_rms(a, b)) for n, a, b in zip("qkv", g, g_ref)]
        ok = errs[0][1] <= 5e-3 and all(e <= 1e-2 for _, e in errs[1:])
        rows.append(ok)
        print(f"check {label:12s} {B}x{T}x{H}x{K}x{V} bf16 vs fp64: " + "  ".join(f"{n} {e:.1e}" for n, e in errs)
              + ("  PASS" if ok else "  FAIL (tolerances 5e-3 output, 1e-2 gradients)"), flush=True)
    return rows


def timed(call, q, k, v):
    do = torch.randn_like(call(q, k, v).detach())

    def fwd():
        with torch.no_grad():
            call(q, k, v)

    def fb():
        call(q, k, v).backward(do)
    return gs.time_ms(fwd), gs.time_ms(fb), gs.peak_mb(fb)


def trace(op, shape):
    """lindsl's launches of one forward and one forward+backward at shape (gpu_suite.kernel_launches)."""
    from launch_trace import show
    q, k, v = inputs(*map(int, shape.split("x")))
    do = torch.randn_like(op(q, k, v, backend="triton")[0].detach())

    def fwd():
        with torch.no_grad():
            op(q, k, v, backend="triton")

    def fb():
        op(q, k, v, backend="triton")[0].backward(do)
    for label, fn in (("forward", fwd), ("forward+backward", fb)):
        rows = gs.kernel_launches(fn)
        print(f"lindsl {label} {shape}: {len(rows)} launches, {sum(r['us'] for r in rows) / 1e3:.3f} ms of kernels",
              flush=True)
        show(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shapes", default="8x2048x16x16x64,4x4096x16x16x64,2x8192x16x16x64,1x16384x16x16x64")
    ap.add_argument("--check", default="2x1024x4x16x64")
    ap.add_argument("--trace", default=None, help="lindsl's kernel launches at this shape instead of the table")
    a = ap.parse_args()
    if a.trace:
        trace(lindsl.load("based"), a.trace)
        return 0
    op, fla = lindsl.load("based"), fla_based()
    oks = check(op, fla, *map(int, a.check.split("x")))
    print("| B×T×H×K×V (F) | lindsl fwd | fla chunk / parallel fwd | fla/lindsl fwd | lindsl f+b | "
          "fla chunk / parallel f+b | fla/lindsl f+b | SDPA f+b | peak MB lindsl / fla chunk / parallel / SDPA |")
    print("|---|---|---|---|---|---|---|---|---|")
    for shape in a.shapes.split(","):
        B, T, H, K, V = map(int, shape.split("x"))
        q, k, v = inputs(B, T, H, K, V)
        res = {}
        calls = {"lindsl": lambda *x: op(*x, backend="triton")[0], **fla,
                 "sdpa": lambda q_, k_, v_: F.scaled_dot_product_attention(
                     q_.transpose(1, 2), k_.transpose(1, 2), v_.transpose(1, 2), is_causal=True)}
        qs, ks = (torch.randn(B, T, H, V, device="cuda", dtype=torch.bfloat16, requires_grad=True) for _ in range(2))
        for name, call in calls.items():
            try:
                res[name] = timed(call, *((qs, ks, v) if name == "sdpa" else (q, k, v)))
            except Exception as e:  # one library's failure at a size must not hide the others' rows
                print(f"{name} {shape}: {type(e).__name__}: {str(e)[:200]}", flush=True)
            torch.cuda.empty_cache()
        f = lambda n, i: f"{res[n][i]:.3f}" if n in res else "-"  # noqa: E731
        both = lambda i: f"{f('fla chunk', i)} / {f('fla parallel', i)}"  # noqa: E731

        def ratio(i):
            best = min((res[n][i] for n in fla if n in res), default=None)
            return f"{best / res['lindsl'][i]:.2f}×" if best is not None and "lindsl" in res else "-"
        mem = " / ".join(f"{res[n][2]:.0f}" if n in res else "-" for n in ("lindsl", "fla chunk", "fla parallel", "sdpa"))
        print(f"| {shape} ({1 + K + K * K}) | {f('lindsl', 0)} | {both(0)} | {ratio(0)} | {f('lindsl', 1)} | "
              f"{both(1)} | {ratio(1)} | {f('sdpa', 1)} | {mem} |", flush=True)
    return 0 if all(oks) else 1


if __name__ == "__main__":
    sys.exit(main())
