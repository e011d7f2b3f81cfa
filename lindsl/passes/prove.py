"""Prove the normalize rewrite with sympy: for a symbolic token (every input and every let a vector of
symbols, the previous state a matrix of symbols, small dims), the update as written equals the canonical form
(diag(exp(gk)) + sum b a^T) S diag(exp(gv)) + sum k v^T, entry by entry. Routing masks are checked at
both values a mask can take (selected, not selected)."""
from __future__ import annotations

import itertools
import random

import sympy as sp

from ..dimexpr import poly_size
from ..ir import Binary, Call, Expr, MatMul, Num, Spec, Transpose, Unary, Var
from .normalize import Normalized

PROOF_DIMS = 2
MAX_SYMBOLIC_OPS = 600  # larger differences are checked at random points only (sympy can take minutes)


class _SymI:
    """The identity matrix times a scalar, materialised where its size is known."""

    def __init__(self, scale):
        self.scale = scale


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


FUNCS = {
    "exp": sp.exp, "log": sp.log, "sigmoid": _sigmoid, "logsigmoid": lambda x: -sp.log(1 + sp.exp(-x)),
    "softplus": lambda x: sp.log(1 + sp.exp(x)), "tanh": sp.tanh, "sqrt": sp.sqrt, "abs": sp.Abs,
    "relu": lambda x: sp.Max(x, 0), "silu": lambda x: x * _sigmoid(x),
    "elu": lambda x: sp.Piecewise((x, x > 0), (sp.exp(x) - 1, True)),
}


class SymEval:
    """Evaluates IR expressions to sympy values for one memory index (or none)."""

    def __init__(self, env: dict, dims: dict[str, int], mem: int | None, masks: dict):
        self.env, self.dims, self.mem, self.masks = env, dims, mem, masks

    def ev(self, e: Expr):
        if isinstance(e, Num):
            return sp.nsimplify(e.value) if float(e.value).is_integer() else sp.Float(e.value)
        if isinstance(e, Var):
            if e.kind == "ident":
                return _SymI(sp.Integer(1))
            if e.kind == "dim":
                return sp.sympify(self.dims[e.name])
            v = self.env[(e.name, e.shift)]
            if isinstance(v, list):
                return v[self.mem]
            return v
        if isinstance(e, Unary):
            x = self.ev(e.x)
            if e.op == "neg":
                return -x
            return x[self.mem] if isinstance(x, sp.MatrixBase) and e.op == "asmem" else x
        if isinstance(e, Transpose):
            x = self.ev(e.x)
            return x.T if isinstance(x, sp.MatrixBase) else x
        if isinstance(e, Binary):
            l, r = self.ev(e.l), self.ev(e.r)
            if e.ty.kind == "ident":
                sl = l.scale if isinstance(l, _SymI) else l
                sr = r.scale if isinstance(r, _SymI) else r
                return _SymI(sl * sr if e.op == "*" else (sl + sr if e.op == "+" else sl - sr))
            if isinstance(l, _SymI) or isinstance(r, _SymI):
                n = self.dims[e.ty.dims[0]]
                l = sp.eye(n) * l.scale if isinstance(l, _SymI) else l
                r = sp.eye(n) * r.scale if isinstance(r, _SymI) else r
            if e.op == "pow":
                return l.applyfunc(lambda z: z ** r) if isinstance(l, sp.MatrixBase) else l ** r
            return _elementwise(e.op, l, r)
        if isinstance(e, MatMul):
            l, r = self.ev(e.l), self.ev(e.r)
            if isinstance(l, _SymI) and isinstance(r, _SymI):
                return _SymI(l.scale * r.scale)
            if isinstance(l, _SymI):
                return _SymI(l.scale * r) if e.ty.kind == "ident" else l.scale * r
            if isinstance(r, _SymI):
                return _SymI(r.scale * l) if e.ty.kind == "ident" else r.scale * l
            if not isinstance(l, sp.MatrixBase) or not isinstance(r, sp.MatrixBase):
                return l * r
            out = l * r
            return out[0, 0] if out.shape == (1, 1) and e.ty.kind == "scalar" else out
        if isinstance(e, Call):
            return self.call(e)
        raise TypeError(type(e))

    def call(self, e: Call):
        if e.fn == "topk":
            return self.masks[id(e)]
        if e.fn == "sum" and e.dim is not None and e.args[0].ty.mem == e.dim:
            return sum((SymEval(self.env, self.dims, m, self.masks).ev(e.args[0])
                        for m in range(self.dims[e.dim])), sp.Integer(0))
        args = [self.ev(a) for a in e.args]
        x = args[0]
        if e.fn == "cat":
            return sp.Matrix.vstack(*[a if isinstance(a, sp.MatrixBase) else sp.Matrix([[a]]) for a in args])
        if e.fn == "kron":
            return sp.Matrix([xi * yj for xi in x for yj in args[1]])
        if e.fn in FUNCS:
            f = FUNCS[e.fn]
            return x.applyfunc(f) if isinstance(x, sp.MatrixBase) else f(x)
        if e.fn == "l2norm":
            return x / sp.sqrt(sum(z * z for z in x) + sp.Rational(1, 10**6))
        if e.fn == "softmax":
            ex = x.applyfunc(sp.exp)
            return ex / sum(ex)
        if e.fn == "sum":
            return sum(x)
        if e.fn == "diag":
            return sp.diag(*list(x))
        if e.fn in ("min", "max"):
            f = sp.Min if e.fn == "min" else sp.Max
            y = args[1]
            if isinstance(x, sp.MatrixBase) or isinstance(y, sp.MatrixBase):
                shape = (x if isinstance(x, sp.MatrixBase) else y).shape
                xm = x if isinstance(x, sp.MatrixBase) else sp.ones(*shape) * x
                ym = y if isinstance(y, sp.MatrixBase) else sp.ones(*shape) * y
                return sp.Matrix(shape[0], shape[1], lambda i, j: f(xm[i, j], ym[i, j]))
            return f(x, y)
        raise ValueError(e.fn)


def _elementwise(op, l, r):
    lm, rm = isinstance(l, sp.MatrixBase), isinstance(r, sp.MatrixBase)
    if op == "*":
        if lm and rm:
            return l.multiply_elementwise(r)
        return l * r
    if op == "/":
        if lm and rm:
            return sp.Matrix(l.shape[0], l.shape[1], lambda i, j: l[i, j] / r[i, j])
        return l / r
    if lm and not rm:
        r = sp.ones(*l.shape) * r
    if rm and not lm:
        l = sp.ones(*r.shape) * l
    return l + r if op == "+" else l - r


def _symbols(spec: Spec, dims: dict[str, int]):
    env, roles = {}, {}
    for d in spec.inputs:
        assume = {"loggate": dict(nonpositive=True), "unit": dict(positive=True), "positive": dict(positive=True),
                  "negative": dict(negative=True), "nonneg": dict(nonnegative=True)}.get(d.role, {})
        exprs = [e for _, e in spec.lets] + list(spec.updates.values()) + [e for _, e in spec.outputs]
        shifts = [0] + [v.shift for e in exprs for v in e.walk() if isinstance(v, Var) and v.name == d.name]

        def make(tag, n_mem=None):
            if d.ty.kind == "scalar":
                return sp.Symbol(tag, real=True, **assume)
            n = dims[d.ty.dims[0]]
            return sp.Matrix(n, 1, lambda i, j: sp.Symbol(f"{tag}_{i}", real=True, **assume))

        for s in set(shifts):
            tag = d.name + (f"_m{-s}" if s else "")
            val = [make(f"{tag}{m}") for m in range(dims[d.ty.mem])] if d.ty.mem else make(tag)
            env[(d.name, s)] = val
            roles[tag] = d.role
    env[("head", 0)] = sp.Symbol("h", nonnegative=True, integer=True)
    return env


def _opaque(name: str, ty, dims):
    """A let as fresh symbols: the rewrite must hold whatever per-token values the lets take (routing masks
    excepted, which are evaluated as 0/1 patterns)."""
    def one(tag):
        if ty.kind == "scalar":
            return sp.Symbol(tag, real=True)
        n = dims[ty.dims[0]]
        return sp.Matrix(n, 1, lambda i, j: sp.Symbol(f"{tag}_{i}", real=True))
    if ty.mem:
        return [one(f"{name}{m}") for m in range(dims[ty.mem])]
    return one(name)


def _option_values(spec: Spec, dims):
    vals = {}
    for name, e in spec.options.items():
        vals[(name, 0)] = SymEval(dict(vals), dims, None, {}).ev(e)
    return vals


def _is_zero(d) -> bool | None:
    d = sp.expand(sp.powsimp(sp.expand(d, power_exp=True, log=True, force=True), force=True), force=True)
    if d == 0:
        return True
    s = sp.simplify(d)
    if s == 0:
        return True
    return None


def _numeric_zero(d, trials: int = 4) -> bool:
    syms = sorted(d.free_symbols, key=str)
    rng = random.Random(0)
    for _ in range(trials):
        subs = {}
        for s in syms:
            v = rng.uniform(0.1, 1.0)
            if s.is_nonpositive or s.is_negative:
                v = -v
            subs[s] = v
        if abs(complex(d.evalf(subs=subs))) > 1e-9:
            return False
    return True


def prove_normalized(n: Normalized) -> str:
    """Return 'proved ...' or a description of what could not be shown; 'FAILED ...' on a counterexample."""
    spec = n.spec
    dims = {d: PROOF_DIMS for d in spec.dims if d not in spec.derived_dims}
    dims.update({d: poly_size(p, dims) for d, p in spec.derived_dims.items()})
    dims["H"] = sp.Symbol("H", positive=True, integer=True)
    base = _symbols(spec, dims)
    base.update(_option_values(spec, dims))
    topks = [c for _, e in spec.lets for c in e.walk() if isinstance(c, Call) and c.fn == "topk"]
    patterns = [{}]
    if topks:
        patterns = []
        for bits in itertools.product([0, 1], repeat=PROOF_DIMS * len(topks)):
            masks = {}
            for i, c in enumerate(topks):
                masks[id(c)] = sp.Matrix(PROOF_DIMS, 1, list(bits[i * PROOF_DIMS:(i + 1) * PROOF_DIMS]))
            patterns.append(masks)
    unproved = 0
    checked = 0
    for masks in patterns:
        env = dict(base)
        ev0 = SymEval(env, dims, None, masks)
        for name, e in spec.lets:
            if not any(isinstance(c, Call) and c.fn == "topk" for c in e.walk()):
                env[(name, 0)] = _opaque(name, e.ty, dims)
            elif e.ty.mem:
                env[(name, 0)] = [SymEval(env, dims, m, masks).ev(e) for m in range(dims[e.ty.mem])]
            else:
                env[(name, 0)] = ev0.ev(e)
        for st in spec.states:
            c = n.canon[st.name]
            mems = range(dims[st.ty.mem]) if st.ty.mem else [None]
            rows = dims[st.key_dim]
            cols = dims[st.value_dim] if st.value_dim else 1
            for m in mems:
                S = sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"S{'' if m is None else m}_{i}{j}", real=True))
                env[(st.name, -1)] = [S] * len(mems) if m is not None else S
                ev = SymEval(env, dims, m, masks)
                written = ev.ev(spec.updates[st.name])
                if st.route is not None:
                    mu = ev.ev(st.route)[m]
                    written = mu * written + (1 - mu) * S
                canonical = _canonical(c, ev, S, rows, cols)
                for i in range(rows):
                    for j in range(cols):
                        d = written[i, j] - canonical[i, j]
                        checked += 1
                        z = _is_zero(d) if sp.count_ops(d) <= MAX_SYMBOLIC_OPS else None
                        if z is None:
                            if not _numeric_zero(d):
                                return (f"FAILED: the canonical form of {st.name} differs from the written update "
                                        f"at entry ({i},{j})")
                            unproved += 1
    if unproved:
        return (f"canonical form matches the update at random points; sympy could not simplify "
                f"{unproved} of {checked} entries to 0")
    return f"proved: canonical form == written update ({checked} entries, dims {PROOF_DIMS}" \
           + (f", {len(patterns)} routing patterns)" if topks else ")")


def _canonical(c, ev: SymEval, S, rows, cols):
    A = sp.eye(rows)
    if c.key_gate is not None:
        g = ev.ev(c.key_gate)
        A = sp.diag(*[sp.exp(g[i] if isinstance(g, sp.MatrixBase) else g) for i in range(rows)])
    for p in c.pairs:
        A = A + ev.ev(p.b) * ev.ev(p.a).T
    out = A * S
    if c.value_gate is not None:
        gv = ev.ev(c.value_gate)
        out = out * sp.diag(*[sp.exp(gv[j]) for j in range(cols)])
    for r in c.inputs:
        k = ev.ev(r.k)
        v = ev.ev(r.v) if r.v is not None else sp.Matrix([[1]])
        out = out + k * v.T
    return out
