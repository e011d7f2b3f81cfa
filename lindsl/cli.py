"""The lindsl command line: check, explain, compile, run, search, leaderboard."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .errors import LinError


def _load(path: str):
    from .runtime.op import load
    return load(path)


def cmd_check(a) -> int:
    if a.triton:
        import os
        os.environ["TRITON_INTERPRET"] = "1"  # before anything imports triton
    from .check import check
    rep = check(a.spec, quick=a.quick, triton=a.triton)
    print(rep.format())
    return 0 if rep.ok else 1


def cmd_explain(a) -> int:
    from .explain import explain
    op = _load(a.spec)
    print(explain(op.compiled, op.module))
    return 0


def cmd_compile(a) -> int:
    from .runtime.op import compile_spec, generate_source, spec_from
    t0 = time.perf_counter()
    spec = spec_from(a.spec)
    src = generate_source(compile_spec(spec))
    out = Path(a.output)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{spec.name}.py"
    path.write_text(src)
    print(f"wrote {path} ({len(src.splitlines())} lines, {1000 * (time.perf_counter() - t0):.0f} ms); "
          f"import it and call {spec.name}(...) or op(...)")
    return 0


def cmd_run(a) -> int:
    import torch

    from .check import default_sizes, random_inputs
    from .runtime.naive import run_naive
    op = _load(a.spec)
    spec = op.spec
    sizes = default_sizes(spec, K=a.K, V=a.V, M=a.M)
    args = random_inputs(spec, a.B, a.T, a.H, sizes, torch.float32, seed=a.seed)
    for x in args.values():
        x.requires_grad_(True)
    t0 = time.perf_counter()
    out, fin = op(*[args[d.name] for d in spec.inputs], output_final_state=True, backend=a.backend)
    t1 = time.perf_counter()
    o = out if not isinstance(out, tuple) else out[0]
    o.float().square().sum().backward()
    t2 = time.perf_counter()
    what = {"torch": "the chunkwise PyTorch engine", "triton": "the generated Triton kernels"}[op.last_backend]
    where = "GPU" if o.is_cuda else ("CPU, Triton interpreter" if op.last_backend == "triton" else "CPU")
    print(f"{spec.name}: backend {op.last_backend} ({what}, {where}), module {op.path}")
    print(f"  compile: parse {1e3 * op.timings['parse']:.0f} ms, passes {1e3 * op.timings['passes']:.0f} ms, "
          f"generate {1e3 * op.timings['generate']:.0f} ms, import {1e3 * op.timings['import']:.0f} ms")
    shape = "x".join(str(s) for s in o.shape)
    print(f"  B={a.B} T={a.T} H={a.H} sizes={sizes}: output {shape}, forward {1e3 * (t1 - t0):.1f} ms, "
          f"backward {1e3 * (t2 - t1):.1f} ms")
    grads = ", ".join(f"d{n} {float(x.grad.norm()):.3g}" for n, x in args.items() if x.grad is not None)
    print(f"  |o| = {float(o.detach().norm()):.4g}; gradient norms: {grads}")
    if a.T <= 512:
        (ref,), _ = run_naive(spec, {k: v.detach().double() for k, v in args.items()})
        err = float((o.detach().double() - ref).abs().max() / ref.abs().max().clamp_min(1e-30))
        print(f"  vs naive recurrence (fp64): max relative error {err:.1e}")
    return 0


def cmd_plan(a) -> int:
    from dataclasses import replace

    from .sp.plan import PROFILES, plan_spec
    sizes = {}
    for item in a.dim or []:
        name, eq, val = item.partition("=")
        if not eq or not name.strip() or not val.strip().isdigit() or int(val) < 1:
            raise ValueError(f"--dim expects NAME=SIZE with a positive integer size, got {item!r}")
        sizes[name.strip()] = int(val)
    model = PROFILES[a.link]
    for field, value, scale in (("alpha", a.alpha_us, 1e-6), ("bandwidth", a.bandwidth_gbs, 1e9),
                                ("flops", a.tflops, 1e12)):
        if value is not None:
            if not value > 0:
                raise ValueError(f"--{field.replace('flops', 'tflops')} must be positive, got {value}")
            model = replace(model, **{field: value * scale}, name=f"{model.name} (adjusted)")
    plan = plan_spec(a.spec, a.world, a.seq_len, a.heads, batch=a.batch, sizes=sizes, schedule=a.schedule,
                     model=model, form=a.form)
    print(plan.to_json(indent=2) if a.json else plan)
    return 0


def _positive_int(text):
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return n


def _count(text):
    from .sp.plan import parse_count
    try:
        return parse_count(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="lindsl", description="A compiler for linear-attention recurrences.")
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check", help="verify the derived forms: sympy proof, chunkwise vs naive, fwd and grads")
    c.add_argument("spec")
    c.add_argument("--quick", action="store_true", help="fewer shapes")
    c.add_argument("--triton", action="store_true",
                   help="also check the generated Triton kernels, in Triton's CPU interpreter (needs triton)")
    c.set_defaults(fn=cmd_check)
    e = sub.add_parser("explain", help="print the derived equations (text and LaTeX)")
    e.add_argument("spec")
    e.set_defaults(fn=cmd_explain)
    m = sub.add_parser("compile", help="write the generated module (imports only torch)")
    m.add_argument("spec")
    m.add_argument("-o", "--output", default="out")
    m.set_defaults(fn=cmd_compile)
    r = sub.add_parser("run", help="run the op on random inputs (forward and backward) and report")
    r.add_argument("spec")
    for name, default in (("B", 2), ("T", 256), ("H", 4), ("K", 32), ("V", 32), ("M", 4), ("seed", 0)):
        r.add_argument(f"--{name}", type=int, default=default)
    r.add_argument("--backend", choices=["torch", "triton"], default=None,
                   help="engine (default: triton on a GPU, torch on the CPU)")
    r.set_defaults(fn=cmd_run)
    from .search.cli import add_commands as add_search_commands
    add_search_commands(sub)
    pl = sub.add_parser("plan", help="sequence-parallel plan: payload per rank, schedule and why, predicted "
                                     "communication time")
    pl.add_argument("spec")
    pl.add_argument("--world", type=_positive_int, required=True, help="number of ranks the sequence is split over")
    pl.add_argument("--seq-len", type=_count, required=True, help="tokens in the sequence: 4096, 32K, 1M (K = 1024)")
    pl.add_argument("--heads", type=_positive_int, required=True)
    pl.add_argument("--batch", type=_positive_int, default=1)
    pl.add_argument("--dim", action="append", metavar="NAME=SIZE",
                    help="size of a spec dim (default 128; memory axes 4); repeat for several")
    pl.add_argument("--schedule", choices=["allgather", "allscan", "doubling"], default=None,
                    help="force a schedule (default: the cost model's choice)")
    pl.add_argument("--form", choices=["summary-first", "lasp2"], default=None,
                    help="force the executor's form (default summary-first; lasp2 where the transitions are diagonal)")
    pl.add_argument("--link", choices=["nvlink", "ib", "gloo"], default="nvlink", help="cost-model profile")
    pl.add_argument("--alpha-us", type=float, default=None, help="override the latency per message (us)")
    pl.add_argument("--bandwidth-gbs", type=float, default=None, help="override the link bandwidth (GB/s)")
    pl.add_argument("--tflops", type=float, default=None, help="override the fp32 TFLOP/s for applying A")
    pl.add_argument("--json", action="store_true", help="print the plan as JSON")
    pl.set_defaults(fn=cmd_plan)
    a = p.parse_args(argv)
    try:
        return a.fn(a)
    except LinError as err:
        print(err, file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader of our output went away (e.g. `lindsl explain ... | head`): stop quietly
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
