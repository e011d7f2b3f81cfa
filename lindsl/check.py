"""Numerical and symbolic verification of a compiled spec: the derived chunk forms against the naive
recurrence, forward and every gradient, and the normalize rewrite proved with sympy."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from .dimexpr import sized
from .ir import Spec
from .runtime.naive import run_naive, state_shape
from .runtime.op import Op, load


def random_inputs(spec: Spec, B: int, T: int, H: int, sizes: dict[str, int], dtype=torch.float64,
                  gate_scale: float = 1.0, seed: int = 0, device="cpu") -> dict[str, torch.Tensor]:
    """Random arguments that satisfy each input's declared constraint (role)."""
    gen = torch.Generator().manual_seed(seed)
    args = {}
    for d in spec.inputs:
        dims = ([d.ty.mem] if d.ty.mem else []) + list(d.ty.dims)
        shape = ((B, T, H) if d.kind == "input" else (H,)) + tuple(sizes[x] for x in dims)
        x = torch.randn(shape, generator=gen, dtype=torch.float64)
        role = d.role
        if role == "loggate":
            x = torch.nn.functional.logsigmoid(x + 2.0) * gate_scale
        elif role == "unit":
            x = torch.sigmoid(x)
        elif role in ("positive", "nonneg"):
            x = torch.nn.functional.softplus(x)
        elif role == "negative":
            x = -torch.nn.functional.softplus(x)
        elif role == "unitnorm":
            x = x / x.norm(dim=-1, keepdim=True)
        args[d.name] = x.to(dtype=dtype, device=device)
    return args


def default_sizes(spec: Spec, K: int = 5, V: int = 4, M: int = 3) -> dict[str, int]:
    """Small sizes for every declared dim: first key-like dim K, value dims V, memory axes M."""
    mems = {s.ty.mem for s in spec.states if s.ty.mem} | {i.ty.mem for i in spec.inputs if i.ty.mem}
    values = {s.value_dim for s in spec.states if s.value_dim}
    return sized(spec, lambda d: M if d in mems else (V if d in values else K))


@dataclass
class Comparison:
    name: str
    err: float  # relative error: max|a-b| / max(max|b|, tiny)
    tol: float

    @property
    def ok(self) -> bool:
        return math.isfinite(self.err) and self.err <= self.tol


@dataclass
class CheckReport:
    spec: str
    rows: list[tuple[str, list[Comparison]]] = field(default_factory=list)
    proof: str = ""

    @property
    def ok(self) -> bool:
        return all(c.ok for _, cs in self.rows for c in cs) and not self.proof.startswith("FAILED")

    def format(self) -> str:
        lines = [f"check {self.spec}: {'PASS' if self.ok else 'FAIL'}"]
        if self.proof:
            lines.append(f"  symbolic: {self.proof}")
        for label, cs in self.rows:
            worst = max((c.err for c in cs), default=0.0)
            bad = [c.name for c in cs if not c.ok]
            lines.append(f"  {label:42s} max rel err {worst:.1e}  {'ok' if not bad else 'FAIL: ' + ', '.join(bad)}")
            lines.append("      " + "  ".join(f"{c.name} {c.err:.1e}" for c in cs))
        return "\n".join(lines)


def rel_rms(a: torch.Tensor, b: torch.Tensor, floor: float = 1e-30) -> float:
    """Relative RMS error ||a - b|| / ||b|| (fla's test metric); inf when a has a NaN or inf. The denominator is
    at least floor, so a reference that is zero up to rounding is compared on an absolute scale."""
    a, b = a.detach().double(), b.detach().double()
    if not torch.isfinite(a).all():
        return math.inf
    return float((a - b).pow(2).mean().sqrt() / b.pow(2).mean().sqrt().clamp_min(floor))


def rms(x: torch.Tensor) -> float:
    """Root mean square of a tensor, in fp64."""
    return float(x.detach().double().pow(2).mean().sqrt())


def rel_err(a: torch.Tensor, b: torch.Tensor, floor: float = 1e-30) -> float:
    """max|a - b| / max|b|; the denominator is at least floor, so a reference that is zero up to rounding
    (a gradient that cancels exactly) is compared on an absolute scale."""
    a, b = a.detach().double(), b.detach().double()
    if not torch.isfinite(a).all():
        return math.inf
    return float((a - b).abs().max() / b.abs().max().clamp_min(floor)) if b.numel() else 0.0


def compare(op: Op, B=2, T=37, H=2, sizes=None, dtype=torch.float64, chunk=16, gate_scale=1.0, seed=0,
            with_state=True, tol=None, backend=None) -> list[Comparison]:
    """Chunkwise op vs the naive recurrence: outputs, final states and the gradient of every argument."""
    spec = op.spec
    sizes = sizes or default_sizes(spec)
    tol = tol or (1e-8 if dtype == torch.float64 else 2e-4)
    floor = 1e-6 if dtype == torch.float64 else 1e-2  # absolute scale for references that cancel to ~0
    args = random_inputs(spec, B, T, H, sizes, dtype, gate_scale, seed)
    for a in args.values():
        a.requires_grad_(True)
    gen = torch.Generator().manual_seed(seed + 1)
    init = None
    if with_state:
        init = tuple(torch.randn(state_shape(st, B, H, sizes), generator=gen, dtype=torch.float64).to(dtype)
                     .requires_grad_(True) for st in spec.states)
    call_init = init if init is None or len(init) > 1 else init[0]
    out, fin = op(*[args[d.name] for d in spec.inputs], initial_state=call_init, output_final_state=True,
                  chunk_size=chunk, backend=backend)
    outs = out if isinstance(out, tuple) else (out,)
    fins = fin if isinstance(fin, tuple) else (fin,)
    ref_outs, ref_fins = run_naive(spec, args, initial_state=init, output_final_state=True)
    res = [Comparison(f"out:{n}", rel_err(a, b, floor), tol) for (n, _), a, b in zip(spec.outputs, outs, ref_outs)]
    res += [Comparison(f"final:{s.name}", rel_err(a, b, floor), tol) for s, a, b in zip(spec.states, fins, ref_fins)]
    weights = [torch.randn(o.shape, generator=gen, dtype=torch.float64).to(o.dtype) for o in outs + fins]
    leaves = list(args.values()) + (list(init) if init else [])
    names = [f"d{n}" for n in args] + ([f"dh0:{s.name}" for s in spec.states] if init else [])

    def loss(os_, fs_):
        return sum((o * w).sum() for o, w in zip(tuple(os_) + tuple(fs_), weights))

    g1 = torch.autograd.grad(loss(outs, fins), leaves, allow_unused=True)
    g2 = torch.autograd.grad(loss(ref_outs, ref_fins), leaves, allow_unused=True)
    for n, a, b in zip(names, g1, g2):
        if a is None and b is None:
            continue
        if a is None or b is None:
            res.append(Comparison(n, math.inf, tol))
            continue
        res.append(Comparison(n, rel_err(a, b, floor), tol))
    return res


def check(source, quick: bool = False, prove: bool = True, triton: bool = False) -> CheckReport:
    """Verify a spec: sympy proof of the normalized update, then chunkwise vs naive in fp64 and fp32; with
    triton=True also the generated Triton kernels (in Triton's CPU interpreter, TRITON_INTERPRET=1) in fp32."""
    op = source if isinstance(source, Op) else load(source)
    rep = CheckReport(op.spec.name)
    if prove:
        from .passes.prove import prove_normalized
        rep.proof = prove_normalized(op.compiled.normalized)
    cases = [("fp64, T=37 (chunk 16), with h0", dict(dtype=torch.float64)),
             ("fp32, T=37 (chunk 16), with h0", dict(dtype=torch.float32))]
    if not quick:
        cases += [("fp64, T=1", dict(dtype=torch.float64, T=1)),
                  ("fp64, T=64 (exact chunks), no h0", dict(dtype=torch.float64, T=64, with_state=False)),
                  ("fp64, gate scale 10", dict(dtype=torch.float64, gate_scale=10.0, T=40))]
    if triton:
        cases.append(("Triton kernels (interpreter), fp32, T=24", dict(dtype=torch.float32, backend="triton",
                                                                       T=24, B=1, H=1)))
    for label, kw in cases:
        rep.rows.append((label, compare(op, **kw)))
    return rep
