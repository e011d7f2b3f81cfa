"""A factored view of a state update, S_t = F_1 ... F_n S_(t-1) G_1 ... G_m + sum_i c_i, for mutation and for the
stability check: key-side factors F (scalars, diag(x), I - b a^T, ...), value-side factors G, state-free input terms.

Built from the update as written: a single transition term is split at its products; several transition terms
(S - beta * k (k^T S)) are gathered into one factor (I - beta * k k^T). Updates of other shapes have no view.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .. import types as T
from ..ir import Binary, Call, Expr, MatMul, Spec, Transpose, Unary, Var, mentions_state, render, structural_key
from ..passes.normalize import bounds


@dataclass
class UpdateView:
    state: str
    key: list[Expr]                 # key-side factors, left to right
    value: list[Expr]               # value-side factors, left to right
    inputs: list[Expr] = field(default_factory=list)  # state-free additive terms (signs folded in with neg)

    def rebuild(self, state_var: Var) -> Expr:
        """The update expression F_1 ... F_n S G_1 ... G_m + inputs (through the typed constructors)."""
        e = product(self.key + [state_var] + self.value)
        for c in self.inputs:
            if isinstance(c, Unary) and c.op == "neg":
                e = T.binary("-", e, c.x)
            else:
                e = T.binary("+", e, c)
        return e


def is_scalar(e: Expr) -> bool:
    return e.ty.kind == "scalar"


def product(fs: list[Expr]) -> Expr:
    """Left-to-right product: '*' when a side is a scalar, the matrix product otherwise."""
    acc = fs[0]
    for f in fs[1:]:
        acc = T.binary("*", acc, f) if is_scalar(acc) or is_scalar(f) else T.matmul(acc, f)
    return acc


def _terms(e: Expr, sign: int = 1) -> list[tuple[int, Expr]]:
    if isinstance(e, Binary) and e.op in "+-":
        return _terms(e.l, sign) + _terms(e.r, sign if e.op == "+" else -sign)
    if isinstance(e, Unary) and e.op == "neg":
        return _terms(e.x, -sign)
    return [(sign, e)]


def _flatten(e: Expr) -> list[Expr] | None:
    """Factors of a product chain (MatMul, or '*' with a scalar side); None for a division or other node."""
    if isinstance(e, MatMul) or (isinstance(e, Binary) and e.op == "*" and (is_scalar(e.l) or is_scalar(e.r))):
        a, b = _flatten(e.l), _flatten(e.r)
        return None if a is None or b is None else a + b
    if isinstance(e, Binary) and e.op == "/":
        return None
    return [e]


def rank_one_parts(e: Expr) -> tuple[list[Expr], Expr, Expr] | None:
    """c1 * ... * b a^T as (scalars c, b, a), or None."""
    fs = _flatten(e)
    if fs is None:
        return None
    scalars = [f for f in fs if is_scalar(f)]
    rest = [f for f in fs if not is_scalar(f)]
    if len(rest) == 2 and rest[0].ty.kind == "vec" and rest[1].ty.kind == "row":
        return scalars, rest[0], T.transpose(rest[1])
    return None


def view_of(spec: Spec, state: str) -> UpdateView | None:
    """The factored view of a state's update, or None when the update is not a product chain form."""
    e = spec.updates[state]
    trans, inputs = [], []
    for sign, term in _terms(e):
        if mentions_state(term, {state}):
            trans.append((sign, term))
        else:
            inputs.append(term if sign > 0 else T.neg(term))
    chains = []
    for sign, term in trans:
        fs = _flatten(term)
        if fs is None:
            return None
        idx = [i for i, f in enumerate(fs) if isinstance(f, Var) and f.kind == "state"]
        if len(idx) != 1 or any(mentions_state(f) for j, f in enumerate(fs) if j != idx[0]):
            return None
        chains.append((sign, fs[:idx[0]], fs[idx[0] + 1:]))
    if not chains:
        return None
    if len(chains) == 1 and chains[0][0] > 0:
        return UpdateView(state, chains[0][1], chains[0][2], inputs)
    if any(ch[2] for ch in chains):
        return None
    total = None
    for sign, left, _ in chains:
        f = product(left) if left else Var("I", "ident", 0, T.Ty("ident"))
        if total is None:
            total = f if sign > 0 else T.neg(f)
        else:
            total = T.binary("+" if sign > 0 else "-", total, f)
    return UpdateView(state, [total], [], inputs)


# ------------------------------------------------------------------ norm bounds (the stability check)
def _abs_bound(e: Expr, spec: Spec) -> float:
    lo, hi = bounds(e, spec)
    return max(abs(lo), abs(hi))


def _let(spec: Spec, name: str) -> Expr | None:
    return dict(spec.lets).get(name)


def vec_norm(e: Expr, spec: Spec) -> float:
    """An upper bound on the Euclidean norm of a vector expression (inf when unknown)."""
    if isinstance(e, Unary) and e.op == "asmem":
        return vec_norm(e.x, spec)
    if isinstance(e, Call) and e.fn == "l2norm":
        return 1.0
    if isinstance(e, Var) and e.kind in ("input", "param") and spec.input(e.name).role == "unitnorm":
        return 1.0
    if isinstance(e, Var) and e.kind == "let" and _let(spec, e.name) is not None:
        return vec_norm(_let(spec, e.name), spec)
    if isinstance(e, Transpose):
        return vec_norm(e.x, spec)
    if isinstance(e, (Binary, MatMul)) and getattr(e, "op", "*") == "*":
        if is_scalar(e.l) and not is_scalar(e.r):
            return _abs_bound(e.l, spec) * vec_norm(e.r, spec)
        if is_scalar(e.r) and not is_scalar(e.l):
            return _abs_bound(e.r, spec) * vec_norm(e.l, spec)
        if isinstance(e, Binary):  # elementwise: max|x| * ||y||
            return min(_abs_bound(e.l, spec) * vec_norm(e.r, spec), _abs_bound(e.r, spec) * vec_norm(e.l, spec))
    return math.inf




def _strip_mem(e: Expr) -> Expr:
    return e.x if isinstance(e, Unary) and e.op == "asmem" else e


def householder(e: Expr, spec: Spec) -> str | None:
    """If e is I - c a a^T with ||a|| <= 1 and 0 <= c <= 2 (a reflection-like contraction), say why; else None."""
    terms = _terms(e)
    idents = [(s, t) for s, t in terms if isinstance(t, Var) and t.kind == "ident"]
    others = [(s, t) for s, t in terms if not (isinstance(t, Var) and t.kind == "ident")]
    if len(idents) != 1 or idents[0][0] < 0 or len(others) != 1:
        return None
    sign, r1 = others[0]
    parts = rank_one_parts(r1)
    if parts is None:
        return None
    scalars, b, a = parts
    if structural_key(_strip_mem(b)) != structural_key(_strip_mem(a)):
        return None
    lo, hi = 1.0, 1.0
    for c in scalars:
        clo, chi = bounds(c, spec)
        cands = [lo * clo, lo * chi, hi * clo, hi * chi]
        lo, hi = min(cands), max(cands)
    if sign > 0:
        lo, hi = -hi, -lo
    n = vec_norm(a, spec)
    if n <= 1.0 and lo >= 0.0 and hi <= 2.0:
        return f"||{render(e)}|| <= 1 ({render(a)} has norm <= 1, coefficient in [{lo:g}, {hi:g}] within [0, 2])"
    return None


def factor_norm(e: Expr, spec: Spec) -> tuple[float, str]:
    """An upper bound on the spectral norm of one transition factor, with the reason."""
    if is_scalar(e):
        b = _abs_bound(e, spec)
        return b, f"|{render(e)}| <= {b:g}"
    if isinstance(e, Var) and e.kind == "ident":
        return 1.0, "I"
    if isinstance(e, Call) and e.fn == "diag":
        b = _abs_bound(e.args[0], spec)
        return b, f"|{render(e.args[0])}| <= {b:g}"
    why = householder(e, spec)
    if why is not None:
        return 1.0, why
    if isinstance(e, Binary) and e.op in "+-" or isinstance(e, Unary) and e.op == "neg":
        total = 0.0
        for _, t in _terms(e):
            total += factor_norm(t, spec)[0]
        return total, f"||{render(e)}|| <= {total:g} (sum of its terms' bounds)"
    r1 = rank_one_parts(e)
    if r1 is not None:
        scalars, b, a = r1
        n = math.prod(_abs_bound(c, spec) for c in scalars) * vec_norm(b, spec) * vec_norm(a, spec)
        return n, f"||{render(e)}|| <= {n:g}"
    fs = _flatten(e)
    if fs is not None and len(fs) > 1:
        n = math.prod(factor_norm(f, spec)[0] for f in fs)
        return n, f"||{render(e)}|| <= {n:g} (product)"
    return math.inf, f"no bound for {render(e)}"
