"""Kernelized pair scores: where a read's vector and its state's key are feature maps of two base vectors built with
cat() and kron() (Based's Taylor map, any polynomial map), the chunk's pair score x_t . k_s is a polynomial in the
base vectors' dot product q_t . k_s. cat's parts' dot products add, kron's multiply (kron(a, b) . kron(c, d) =
(a . c)(b . d)), constant factors scale. The pass finds that polynomial from the IR (lets inlined); the sympy check
below proves it entry by entry at small dims. With it a chunk's C x C scores cost the bases' width per pair instead
of the features' (16 against 273 for Based)."""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from ..ir import SCALAR, Binary, Call, Expr, MatMul, Num, Spec, Unary, Var, render, structural_key
from .normalize import Normalized

MAX_DEGREE = 8
CONSTANT_KINDS = ("option", "dim")
ELEMENTWISE_CONSTANT = ("sqrt", "exp", "log", "abs")


@dataclass(frozen=True)
class PairScore:
    """x_t . k_s = sum over (degree p, coefficient c) of c (xb_t . kb_s)^p; the coefficients are constant over time
    (numbers, options and dims)."""
    reader_base: Expr
    source_base: Expr
    coefs: tuple[tuple[int, Expr], ...]

    @property
    def degree(self) -> int:
        return max(p for p, _ in self.coefs)

    def text(self) -> str:
        """The identity in .lin notation, coefficients simplified (sympy)."""
        s = f"({render(self.reader_base)} . {render(self.source_base)})"
        terms = []
        for p, c in self.coefs:
            coef = _simplified(c)
            power = "" if p == 0 else s if p == 1 else f"{s}^{p}"
            terms.append(coef if not power else power if coef == "1" else f"{coef} {power}")
        return " + ".join(terms)


def _simplified(c: Expr) -> str:
    try:
        return str(sp.nsimplify(sp.simplify(_sym(c)))).replace("**", "^")
    except (TypeError, ValueError, sp.SympifyError):
        return render(c)


def _sym(e: Expr):
    """A constant coefficient as a sympy expression: its dims positive symbols, its options symbols (prove.SymEval,
    exponents rationalized)."""
    from .prove import SymEval
    dims = {n.name: sp.Symbol(n.name, positive=True) for n in e.walk() if isinstance(n, Var) and n.kind == "dim"}
    options = {(n.name, 0): sp.Symbol(n.name) for n in e.walk() if isinstance(n, Var) and n.kind == "option"}
    return sp.nsimplify(SymEval(options, dims, None, {}).ev(e))


def _constant(e: Expr) -> bool:
    """A scalar made of numbers, options and dims only (the same for every token and head)."""
    if e.ty.kind != "scalar":
        return False
    for n in e.walk():
        if isinstance(n, Var) and n.kind not in CONSTANT_KINDS:
            return False
        if isinstance(n, Call) and n.fn not in ELEMENTWISE_CONSTANT:
            return False
    return True


def _inline(e: Expr, lets: dict[str, Expr]) -> Expr:
    """e with every unshifted let replaced by its definition."""
    if isinstance(e, Var):
        return _inline(lets[e.name], lets) if e.kind == "let" and e.shift == 0 and e.name in lets else e
    if isinstance(e, Unary):
        return Unary(e.op, _inline(e.x, lets), e.ty, e.loc)
    if isinstance(e, Binary):
        return Binary(e.op, _inline(e.l, lets), _inline(e.r, lets), e.ty, e.loc)
    if isinstance(e, MatMul):
        return MatMul(_inline(e.l, lets), _inline(e.r, lets), e.ty, e.loc)
    if isinstance(e, Call):
        return Call(e.fn, tuple(_inline(a, lets) for a in e.args), e.ty, e.loc, e.dim)
    return e


def _times(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Num) and a.value == 1:
        return b
    if isinstance(b, Num) and b.value == 1:
        return a
    return Binary("*", a, b, SCALAR)


def _plus(a: Expr, b: Expr) -> Expr:
    return Binary("+", a, b, SCALAR)


def _poly_add(x: dict, y: dict) -> dict:
    out = dict(x)
    for p, c in y.items():
        out[p] = _plus(out[p], c) if p in out else c
    return out


def _poly_mul(x: dict, y: dict) -> dict | None:
    out: dict = {}
    for p, a in x.items():
        for q, b in y.items():
            if p + q > MAX_DEGREE:
                return None
            out = _poly_add(out, {p + q: _times(a, b)})
    return out


def _scaled(e: Expr) -> tuple[Expr | None, Expr]:
    """(constant factor or None, the rest) of c * x, x * c, x / c, -x or c x (juxtaposition)."""
    if isinstance(e, Unary) and e.op == "neg":
        return Num(-1.0), e.x
    if isinstance(e, Binary) and e.op in ("*", "/") or isinstance(e, MatMul):
        l, r = e.l, e.r
        if _constant(r):
            return (r if not isinstance(e, Binary) or e.op == "*" else Binary("/", Num(1.0), r, SCALAR)), l
        if _constant(l) and (not isinstance(e, Binary) or e.op == "*"):
            return l, r
    return None, e


def _kron_factors(e: Expr) -> list[Expr]:
    """The factors of nested kron() calls in order: the flattened Kronecker product is associative (entry
    (i len(y) + j) len(z) + l of kron(kron(x, y), z) is entry i len(y) len(z) + (j len(z) + l) of kron(x, kron(y, z))),
    so kron(kron(q, q), q) and kron(k, kron(k, k)) both pair factor by factor."""
    if isinstance(e, Call) and e.fn == "kron":
        return [f for arg in e.args for f in _kron_factors(arg)]
    return [e]


class _Pairing:
    """The dot product of two feature expressions as a polynomial {degree: coefficient} in one base dot product,
    or None; the bases seen on each side must be the same expression throughout."""

    def __init__(self):
        self.bases: list[Expr | None] = [None, None]

    def base(self, side: int, e: Expr) -> bool:
        seen = self.bases[side]
        if seen is None:
            self.bases[side] = e
            return True
        return structural_key(seen) == structural_key(e)

    def dot(self, a: Expr, b: Expr) -> dict | None:
        ca, a = _scaled(a)
        cb, b = _scaled(b)
        if ca is not None or cb is not None:
            inner = self.dot(a, b)
            if inner is None:
                return None
            scale = _times(ca or Num(1.0), cb or Num(1.0))
            return {p: _times(scale, c) for p, c in inner.items()}
        if a.ty.kind == "scalar" and b.ty.kind == "scalar":
            return {0: _times(a, b)} if _constant(a) and _constant(b) else None
        if a.ty.kind != "vec" or b.ty.kind != "vec" or a.ty.dims != b.ty.dims or a.ty.mem or b.ty.mem:
            return None
        if isinstance(a, Call) and isinstance(b, Call) and a.fn == b.fn and a.fn in ("cat", "kron"):
            a_parts, b_parts = (_kron_factors(a), _kron_factors(b)) if a.fn == "kron" else (a.args, b.args)
            if len(a_parts) != len(b_parts) or any(x.ty.kind != y.ty.kind or x.ty.dims != y.ty.dims
                                                   for x, y in zip(a_parts, b_parts)):
                return None
            parts = [self.dot(x, y) for x, y in zip(a_parts, b_parts)]
            if any(p is None for p in parts):
                return None
            out = parts[0]
            for p in parts[1:]:
                out = _poly_add(out, p) if a.fn == "cat" else _poly_mul(out, p)
                if out is None:
                    return None
            return out
        if any(isinstance(n, Call) and n.fn in ("cat", "kron") for x in (a, b) for n in x.walk()):
            return None
        return {1: Num(1.0)} if self.base(0, a) and self.base(1, b) else None


def pair_score(spec: Spec, x: Expr, k: Expr) -> PairScore | None:
    """x . k as a polynomial in the dot product of two base vectors, where either is built with cat() or kron()
    (lets inlined); None otherwise."""
    lets = dict(spec.lets)
    x, k = _inline(x, lets), _inline(k, lets)
    if not any(isinstance(n, Call) and n.fn in ("cat", "kron") for e in (x, k) for n in e.walk()):
        return None
    pairing = _Pairing()
    poly = pairing.dot(x, k)
    if poly is None or None in pairing.bases:
        return None
    return PairScore(pairing.bases[0], pairing.bases[1], tuple(sorted(poly.items(), key=lambda t: t[0])))


def kernelized_reads(n: Normalized) -> dict[int, PairScore]:
    """{read index: its pair score} for the reads whose scores kernelize: the state has one input term, no rank-one
    factor and a scalar or no key gate (a per-dimension one would sit inside the dot product)."""
    out = {}
    for i, r in enumerate(n.reads):
        c = n.canon[r.state]
        if len(c.inputs) != 1 or c.pairs or c.key_gate_kind == "vector":
            continue
        score = pair_score(n.spec, r.x, c.inputs[0].k)
        if score is not None:
            out[i] = score
    return out


def prove_pair_score(n: Normalized, read: int, score: PairScore, dims: int = 2) -> bool:
    """Whether read's vector dotted with its state's key equals the score's polynomial, entry by entry with sympy,
    every input a vector of symbols at size dims (derived dims from their polynomials), options at their values."""
    from ..runtime.shapes import poly_size
    from .prove import SymEval, _option_values, _symbols
    spec, r = n.spec, n.reads[read]
    base = {d: dims for d in spec.dims if d not in spec.derived_dims}
    sizes = {**base, **{d: poly_size(p, base) for d, p in spec.derived_dims.items()}}
    env = _symbols(spec, sizes)
    env.update(_option_values(spec, sizes))
    lets = dict(spec.lets)
    ev = SymEval(env, sizes, None, {})
    xv, kv = ev.ev(_inline(r.x, lets)), ev.ev(_inline(n.canon[r.state].inputs[0].k, lets))
    xb, kb = ev.ev(_inline(score.reader_base, lets)), ev.ev(_inline(score.source_base, lets))
    s = (xb.T * kb)[0, 0]
    poly = sum((ev.ev(c) * s ** p for p, c in score.coefs), sp.Integer(0))
    return sp.simplify(sp.expand((xv.T * kv)[0, 0] - poly)) == 0
