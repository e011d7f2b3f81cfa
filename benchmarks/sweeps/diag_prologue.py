"""Diagnose the compiled prologue on CUDA (session 5: sse_gla lost dk and dr under LINDSL_TUNE_PROLOGUE=compiled on
the H200 while the same code keeps them on the CPU). For each spec: the prologue's outputs eager vs torch.compile
(inductor, aot_eager), their requires_grad and grad_fn, and the input gradients of a random projection of them.

    python3 benchmarks/sweeps/diag_prologue.py sse_gla mom_gated_deltanet gla
"""
import os
import sys

import torch

import lindsl
from lindsl.check import default_sizes, random_inputs

DEV = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def run(m, prologue, a, B, T, H, sizes):
    for x in a.values():
        x.grad = None
    opts = m._options(sizes, None)
    outs = prologue(a, sizes, opts, B, T, H, torch.float32, DEV, True, None, {})
    desc = [(tuple(o.shape), str(o.dtype).replace("torch.", ""), o.requires_grad, type(o.grad_fn).__name__,
             o.stride()) for o in outs]
    gen = torch.Generator(device=DEV).manual_seed(1)
    diff = [o for o in outs if o.requires_grad]
    loss = sum((o.float() * torch.randn(o.shape, device=DEV, generator=gen)).sum() for o in diff)
    grads = torch.autograd.grad(loss, list(a.values()), allow_unused=True)
    return [o.detach().float() for o in outs], desc, {n: None if g is None else float(g.float().norm())
                                                      for n, g in zip(a, grads)}


def main():
    B, T, H, D = 2, 256, 2, 64
    for name in sys.argv[1:]:
        op = lindsl.load(name)
        m = op.module
        sizes = default_sizes(op.spec, K=D, V=D, M=4)
        args = random_inputs(op.spec, B, T, H, sizes, torch.float32, 1.0, 0, device=DEV)
        a = {n: x.to(torch.bfloat16).requires_grad_(True) for n, x in args.items()}
        ref, desc_e, g_e = run(m, m._lindsl_prologue, a, B, T, H, sizes)
        print(f"== {name}\neager grads {g_e}")
        for backend in ("aot_eager", "inductor"):
            torch._dynamo.reset()
            try:
                outs, desc, g = run(m, torch.compile(m._lindsl_prologue, backend=backend), a, B, T, H, sizes)
            except Exception as e:  # noqa: BLE001  (a diagnostic: report and go on)
                print(f"{backend}: {type(e).__name__}: {e}")
                continue
            print(f"{backend} grads {g}")
            print(f"{backend} max |out - eager| {[float((x - y).abs().max()) for x, y in zip(outs, ref)]}")
            for i, (de, dc) in enumerate(zip(desc_e, desc)):
                if de[:3] + de[4:] != dc[:3] + dc[4:]:
                    print(f"  output {i}: eager {de} compiled {dc}")
        for knob in ("eager", "compiled"):
            os.environ["LINDSL_TUNE_PROLOGUE"] = knob
            torch._dynamo.reset()
            m._PROLOGUE_COMPILED.clear()
            o, f = op(*a.values(), output_final_state=True, backend="triton")
            fs = f if isinstance(f, tuple) else (f,)
            loss = o.float().square().sum() + sum(x.float().square().sum() for x in fs)
            grads = torch.autograd.grad(loss, list(a.values()), allow_unused=True)
            print(f"op with {knob} prologue: grads", {n: None if g is None else float(g.float().norm())
                                                      for n, g in zip(a, grads)})


if __name__ == "__main__":
    main()
