"""Normalize: put every state update into S_t = A_t S_{t-1} E_t + sum_i k_i v_i^T.

A_t = diag(exp(gk_t)) + sum_j b_j a_j^T  (key side: scalar or per-key gate, plus rank-one factors:
Householder / delta rule, DPLR), E_t = diag(exp(gv_t)) (value side), the input a sum of rank-one
terms. A product of primitive factors expands by (D1 + B1 A1^T)(D2 + B2 A2^T)
= D1 D2 + (D1 B2) A2^T + B1 (F2^T A1)^T, so any product stays in this class. Routing masks the
gates, the rank-one factors and the inputs of a memory that is not selected (identity transition,
zero input). Outputs are split into reads (S^T x, before or after the update) and a per-token
epilogue over the read results.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from .. import types as T
from ..errors import LinError, Loc
from ..ir import (SCALAR, Binary, Call, Expr, MatMul, Num, Spec, StateDecl, Transpose, Ty, Unary, Var,
                  mentions_state, render, structural_key)

ONE = Num(1.0)


@dataclass
class Pair:
    """A rank-one transition term b a^T (acts as S -> b (a^T S))."""
    b: Expr
    a: Expr


@dataclass
class Rank1:
    """An input term k v^T. v is None for a vector state (value dimension 1)."""
    k: Expr
    v: Expr | None


@dataclass
class Canonical:
    """S_t = (diag(exp(key_gate)) + sum b a^T) S_{t-1} diag(exp(value_gate)) + sum k v^T."""
    state: StateDecl
    key_gate: Expr | None
    value_gate: Expr | None
    pairs: list[Pair]
    inputs: list[Rank1]
    factors: list[str] = field(default_factory=list)

    @property
    def key_gate_kind(self) -> str:
        if self.key_gate is None:
            return "none"
        return "scalar" if self.key_gate.ty.kind == "scalar" else "vector"


@dataclass
class Read:
    """A readout S^T x of one state, after (S_t) or before (S_{t-1}) the token's update."""
    state: str
    x: Expr
    timing: str
    ty: Ty
    loc: Loc | None = None


@dataclass
class Normalized:
    spec: Spec
    canon: dict[str, Canonical]
    reads: list[Read]
    epilogue: list[tuple[str, Expr]]


# --------------------------------------------------------------------------- transitions
@dataclass
class Trans:
    """A key-side K x K operator diag(d) + sum b a^T; d None means no diagonal part."""
    d: Expr | None
    pairs: list[Pair]
    factors: list[str]

    @staticmethod
    def identity() -> "Trans":
        return Trans(ONE, [], [])


def _mul(x: Expr | None, y: Expr | None) -> Expr | None:
    if x is None or y is None:
        return None
    if _is_one(x):
        return y
    if _is_one(y):
        return x
    if isinstance(x, Num) and x.value == -1.0:
        return T.neg(y, y.loc)
    if isinstance(y, Num) and y.value == -1.0:
        return T.neg(x, x.loc)
    return T.binary("*", x, y, y.loc or x.loc)


def _add(x: Expr | None, y: Expr | None) -> Expr | None:
    if x is None:
        return y
    if y is None:
        return x
    return T.binary("+", x, y, x.loc)


def _is_one(e: Expr) -> bool:
    return isinstance(e, Num) and e.value == 1.0


def _dot(x: Expr, y: Expr) -> Expr:
    return T.matmul(T.transpose(x), y, x.loc)


def apply_trans_t(t: Trans, x: Expr) -> Expr:
    """t^T x as a vector expression: d * x + sum a (b^T x)."""
    out = _mul(t.d, x) if t.d is not None else None
    for p in t.pairs:
        out = _add(out, T.matmul(_dot(p.b, x), p.a, x.loc))
    if out is None:
        out = T.binary("*", Num(0.0), x, x.loc)
    return out


def apply_trans(t: Trans, x: Expr) -> Expr:
    """t x as a vector expression: d * x + sum b (a^T x)."""
    out = _mul(t.d, x) if t.d is not None else None
    for p in t.pairs:
        out = _add(out, T.matmul(_dot(p.a, x), p.b, x.loc))
    if out is None:
        out = T.binary("*", Num(0.0), x, x.loc)
    return out


def trans_mul(t1: Trans, t2: Trans) -> Trans:
    pairs = [Pair(_mul(t1.d, p.b) if t1.d is not None else None, p.a) for p in t2.pairs if t1.d is not None]
    pairs += [Pair(p.b, apply_trans_t(t2, p.a)) for p in t1.pairs]
    return Trans(_mul(t1.d, t2.d), pairs, t1.factors + t2.factors)


def trans_add(t1: Trans, t2: Trans, sign: float = 1.0) -> Trans:
    if sign < 0:
        t2 = trans_scale(t2, Num(-1.0))
    return Trans(_add(t1.d, t2.d), t1.pairs + t2.pairs, t1.factors + t2.factors)


def trans_scale(t: Trans, c: Expr) -> Trans:
    return Trans(_mul(c, t.d) if t.d is not None else None, [Pair(_mul(c, p.b), p.a) for p in t.pairs], t.factors)


# --------------------------------------------------------------------------- linear forms
@dataclass
class Form:
    """A value linear in the previous state: kind 'mat' = sum L S R, kind 'row' = sum a^T S R."""
    kind: str
    terms: list[tuple[object, tuple]]  # (Trans or vec Expr a, right factors tuple of value-diag Exprs)


class Normalizer:
    def __init__(self, spec: Spec):
        self.spec = spec

    def err(self, msg: str, e: Expr, hint: str | None = None) -> LinError:
        return LinError(msg, getattr(e, "loc", None), hint)

    # ---- transitions written as matrices without the state, e.g. (I - beta k k^T), diag(exp(g))
    def trans_of(self, e: Expr) -> Trans:
        if isinstance(e, Var) and e.kind == "ident":
            return Trans.identity()
        if isinstance(e, Call) and e.fn == "diag":
            return Trans(e.args[0], [], ["diag"])
        if isinstance(e, Binary) and e.op in "+-":
            return trans_add(self.trans_of(e.l), self.trans_of(e.r), 1.0 if e.op == "+" else -1.0)
        if isinstance(e, Unary) and e.op == "neg":
            return trans_scale(self.trans_of(e.x), Num(-1.0))
        if isinstance(e, (Binary, MatMul)) and (e.l.ty.kind == "scalar" or e.r.ty.kind == "scalar"):
            op = getattr(e, "op", "*")
            if op == "/":
                return trans_scale(self.trans_of(e.l), T.binary("/", ONE, e.r, e.loc))
            c, m = (e.l, e.r) if e.l.ty.kind == "scalar" else (e.r, e.l)
            return trans_scale(self.trans_of(m), c)
        if isinstance(e, MatMul):
            if e.l.ty.kind == "vec" and e.r.ty.kind == "row":
                return Trans(None, [Pair(e.l, T.transpose(e.r))], ["rank1"])
            if e.l.ty.kind == "mat" and e.r.ty.kind == "mat":
                return trans_mul(self.trans_of(e.l), self.trans_of(e.r))
            if e.l.ty.kind == "ident" or e.r.ty.kind == "ident":
                return trans_mul(self.trans_of(e.l), self.trans_of(e.r))
        if isinstance(e, Transpose) and e.ty.kind == "mat":
            t = self.trans_of(e.x)
            return Trans(t.d, [Pair(p.a, p.b) for p in t.pairs], t.factors)
        raise self.err(f"unsupported transition factor {render(e)}", e,
                       "a transition is built from I, scalars, diag(x) and rank-one terms b a^T")

    def value_diag(self, e: Expr) -> tuple[Expr | None, Expr | None]:
        """A value-side factor: returns (scalar part, value-diagonal vector) or raises."""
        if isinstance(e, Call) and e.fn == "diag":
            return None, e.args[0]
        if isinstance(e, (Binary, MatMul)) and getattr(e, "op", "*") == "*" and \
                (e.l.ty.kind == "scalar" or e.r.ty.kind == "scalar"):
            c, m = (e.l, e.r) if e.l.ty.kind == "scalar" else (e.r, e.l)
            s, d = self.value_diag(m)
            return _mul_opt(c, s), d
        if isinstance(e, Var) and e.kind == "ident":
            return None, None
        if isinstance(e, MatMul) and e.l.ty.kind == "mat" and e.r.ty.kind == "mat":
            s1, d1 = self.value_diag(e.l)
            s2, d2 = self.value_diag(e.r)
            return _mul_opt(s1, s2), _mul_opt(d1, d2)
        raise self.err(f"unsupported value-side factor {render(e)}", e,
                       "the value side of S may only be scaled by diag(exp(g)); rank-one terms act on the key side")

    # ---- linear forms in the previous state
    def lin(self, e: Expr, S: str):
        """Return (Form | None, const Expr | None) with e = form(S) + const."""
        if not mentions_state(e, {S}):
            return None, e
        if isinstance(e, Var) and e.kind == "state":
            return Form("mat", [(Trans.identity(), ())]), None
        if isinstance(e, Binary) and e.op in "+-":
            f1, c1 = self.lin(e.l, S)
            f2, c2 = self.lin(e.r, S)
            if e.op == "-":
                f2 = self.scale_form(f2, Num(-1.0)) if f2 else None
                c2 = T.neg(c2, c2.loc) if c2 is not None else None
            return self.add_forms(f1, f2, e), _add(c1, c2)
        if isinstance(e, Unary) and e.op == "neg":
            f, c = self.lin(e.x, S)
            return self.scale_form(f, Num(-1.0)), (T.neg(c, c.loc) if c is not None else None)
        if isinstance(e, Binary) and e.op in "*/":
            if e.op == "/":
                if mentions_state(e.r, {S}):
                    raise self.err("division by the state: the update must be linear in the state", e,
                                   "divide the readout instead, e.g. out o = (S^T q) / (z^T q + eps)")
                f, c = self.lin(e.l, S)
                inv = T.binary("/", ONE, e.r, e.loc)
                return self.scale_form(f, inv), (_mul(c, inv) if c is not None else None)
            if mentions_state(e.l, {S}) and mentions_state(e.r, {S}):
                raise self.err("the update multiplies the state by itself: it must be linear in the state", e,
                               "a linear recurrence applies gates and rank-one corrections to S, e.g. S - b (a^T S)")
            fe, ce = (e.l, e.r) if mentions_state(e.l, {S}) else (e.r, e.l)
            if ce.ty.kind != "scalar":
                raise self.err(f"elementwise product of the state with {render(ce)}", e,
                               "gate the state with diag(x) S (key side), S diag(x) (value side) or a scalar")
            f, c = self.lin(fe, S)
            return self.scale_form(f, ce), (_mul(ce, c) if c is not None else None)
        if isinstance(e, MatMul):
            ls, rs = mentions_state(e.l, {S}), mentions_state(e.r, {S})
            if ls and rs:
                raise self.err("the update multiplies the state by itself: it must be linear in the state", e,
                               "a linear recurrence applies gates and rank-one corrections to S, e.g. S - b (a^T S)")
            if rs:
                f, c = self.lin(e.r, S)
                lt = e.l.ty.kind
                const = T.matmul(e.l, c, e.loc) if c is not None else None
                if lt == "scalar":
                    return self.scale_form(f, e.l), const
                if lt in ("mat", "ident"):
                    if f.kind != "mat":
                        raise self.err(f"unsupported product {render(e)}", e)
                    t = self.trans_of(e.l)
                    return Form("mat", [(trans_mul(t, L), R) for L, R in f.terms]), const
                if lt == "row" and f.kind == "mat":
                    a = T.transpose(e.l)
                    return Form("row", [(apply_trans_t(L, a), R) for L, R in f.terms]), const
                if lt == "vec" and f.kind == "row":
                    return Form("mat", [(Trans(None, [Pair(e.l, a)], ["rank1"]), R) for a, R in f.terms]), const
                raise self.err(f"unsupported product {render(e)} in a state update", e,
                               "the supported algebra: diag(x) S, S diag(x), scalar * S, b (a^T S), (I - b a^T) S")
            f, c = self.lin(e.l, S)
            const = T.matmul(c, e.r, e.loc) if c is not None else None
            rt = e.r.ty.kind
            if rt == "scalar":
                return self.scale_form(f, e.r), const
            if rt in ("mat", "ident"):
                s, dv = self.value_diag(e.r)
                if f.kind == "mat":
                    terms = [(trans_scale(L, s) if s is not None else L, R + ((dv,) if dv is not None else ()))
                             for L, R in f.terms]
                else:
                    terms = [(_mul(s, a) if s is not None else a, R + ((dv,) if dv is not None else ()))
                             for a, R in f.terms]
                return Form(f.kind, terms), const
            if rt == "vec":
                raise self.err(f"{render(e)} contracts the state's value side", e,
                               "read the state in 'out' lines; in an update use b (a^T S) for a rank-one correction")
            raise self.err(f"unsupported product {render(e)} in a state update", e)
        if isinstance(e, Transpose):
            raise self.err(f"transposed state in an update: {render(e)}", e,
                           "write the update for S itself (K x V), e.g. S - beta * k (k^T S) + beta * k v^T")
        if isinstance(e, Call):
            raise self.err(f"the state appears inside {e.fn}(): the update must be linear in the state", e,
                           "a linear recurrence applies gates and rank-one corrections to S, not functions")
        raise self.err(f"unsupported use of the state in {render(e)}", e)

    def scale_form(self, f: Form | None, c: Expr) -> Form | None:
        if f is None:
            return None
        if f.kind == "mat":
            return Form("mat", [(trans_scale(L, c), R) for L, R in f.terms])
        return Form("row", [(_mul(c, a), R) for a, R in f.terms])

    def add_forms(self, f1: Form | None, f2: Form | None, e: Expr) -> Form | None:
        if f1 is None:
            return f2
        if f2 is None:
            return f1
        if f1.kind != f2.kind:
            raise self.err("shape mismatch between the terms of the update", e)
        return Form(f1.kind, f1.terms + f2.terms)

    # ---- inputs: sums of rank-one outer products
    def rank1_terms(self, c: Expr, vector_state: bool) -> list[Rank1]:
        if vector_state:
            return [Rank1(c, None)]
        if isinstance(c, Binary) and c.op in "+-":
            r = self.rank1_terms(c.r, False)
            if c.op == "-":
                r = [Rank1(T.neg(t.k, t.k.loc), t.v) for t in r]
            return self.rank1_terms(c.l, False) + r
        if isinstance(c, Unary) and c.op == "neg":
            return [Rank1(T.neg(t.k, t.k.loc), t.v) for t in self.rank1_terms(c.x, False)]
        if isinstance(c, (Binary, MatMul)) and getattr(c, "op", "*") in "*/" and \
                (c.l.ty.kind == "scalar" or c.r.ty.kind == "scalar"):
            if getattr(c, "op", "*") == "/":
                s, m = T.binary("/", ONE, c.r, c.loc), c.l
            else:
                s, m = (c.l, c.r) if c.l.ty.kind == "scalar" else (c.r, c.l)
            return [Rank1(_mul(s, t.k), t.v) for t in self.rank1_terms(m, False)]
        if isinstance(c, MatMul):
            if c.l.ty.kind == "vec" and c.r.ty.kind == "row":
                return [Rank1(c.l, T.transpose(c.r))]
            if c.l.ty.kind in ("mat", "ident") and c.r.ty.kind in ("mat", "ident"):
                try:
                    t = self.trans_of(c.l)
                    return [Rank1(apply_trans(t, r.k), r.v) for r in self.rank1_terms(c.r, False)]
                except LinError:
                    s, dv = self.value_diag(c.r)
                    return [Rank1(_mul(s, r.k) if s is not None else r.k,
                                  _mul(dv, r.v) if dv is not None else r.v) for r in self.rank1_terms(c.l, False)]
            if c.l.ty.kind == "row" and c.r.ty.kind == "mat":
                s, dv = self.value_diag(c.r)
                v = T.transpose(c.l)
                return [Rank1(s if s is not None else ONE, _mul(dv, v) if dv is not None else v)]
        raise self.err(f"the input term {render(c)} is not a sum of rank-one outer products", c,
                       "write inputs as k v^T (a column times a row), e.g. beta * k v^T")

    # ---- a whole update
    def canonical(self, st: StateDecl, e: Expr) -> Canonical:
        form, const = self.lin(e, st.name)
        if form is None:
            raise self.err(f"the update of {st.name} does not use its previous value", e,
                           f"a recurrence carries the state: e.g. {st.name} = {st.name} + k v^T")
        if form.kind != "mat":
            raise self.err("the update must be a matrix", e)
        rights = {tuple(structural_key(x) for x in R) for _, R in form.terms}
        if len(rights) > 1:
            raise self.err("the terms of the update scale the value side differently", e,
                           "a value-side gate S diag(x) must apply to the whole transition")
        R = form.terms[0][1]
        trans = form.terms[0][0]
        for L, _ in form.terms[1:]:
            trans = trans_add(trans, L)
        if trans.d is None:
            raise self.err(f"the transition of {st.name} has no diagonal part", e,
                           f"keep the previous state in the update, e.g. {st.name} - b (a^T {st.name})")
        key_gate = self.log_gate(trans.d, e, "key")
        value_gate = None
        if R:
            vd = R[0]
            for x in R[1:]:
                vd = _mul(vd, x)
            value_gate = self.log_gate(vd, e, "value")
        pairs = [p for p in trans.pairs]
        inputs = self.rank1_terms(const, st.ty.kind == "vec") if const is not None else []
        kinds = []
        if key_gate is not None:
            kinds.append("scalar gate" if key_gate.ty.kind == "scalar" else "key-diagonal gate")
        if value_gate is not None:
            kinds.append("value-diagonal gate")
        kinds += ["rank-one factor"] * len(pairs)
        c = Canonical(st, key_gate, value_gate, pairs, inputs, kinds)
        if st.route is not None:
            c = self.route(c, st)
        return c

    def route(self, c: Canonical, st: StateDecl) -> Canonical:
        m = T.as_mem_scalar(st.route, st.ty)
        mk = lambda x: _mul(m, x) if x is not None else None  # noqa: E731
        return Canonical(c.state, mk(c.key_gate), mk(c.value_gate), [Pair(mk(p.b), p.a) for p in c.pairs],
                         [Rank1(mk(r.k), r.v) for r in c.inputs], c.factors + ["routing mask"])

    def log_gate(self, d: Expr, where: Expr, side: str) -> Expr | None:
        if _is_one(d):
            return None
        g = log_of(d)
        lo, hi = bounds(g, self.spec)
        if hi > 1e-12:
            raise self.err(f"cannot show that the {side}-side decay {render(d)} is at most 1", where,
                           "declare the log-gate input with ': loggate' (g <= 0) or a unit value with ': unit'; "
                           "chunked forms form exp of cumulative log-gates and need them non-positive")
        return g

    # ---- outputs
    def reads(self, outputs) -> tuple[list[Read], list[tuple[str, Expr]]]:
        reads: list[Read] = []

        def sub(e: Expr) -> Expr:
            if not mentions_state(e):
                return e
            if isinstance(e, MatMul):
                l, r = e.l, e.r
                scale, core = split_scale(l)
                if isinstance(core, Transpose) and isinstance(core.x, Var) and core.x.kind == "state" \
                        and not mentions_state(r):
                    read = self.make_read(reads, core.x, r, e, transpose=False)
                    return T.binary("*", scale, read, e.loc) if scale is not None else read
                if isinstance(r, Var) and r.kind == "state" and l.ty.kind == "row" and not mentions_state(l):
                    return self.make_read(reads, r, T.transpose(l), e, transpose=True)
            if isinstance(e, Var) and e.kind == "state":
                raise self.err(f"state {e.name} must be read as {e.name}^T x", e,
                               f"e.g. out o = {e.name}^T q")
            kids = e.children()
            new = [sub(k) for k in kids]
            return rebuild(e, new)

        epi = [(name, sub(e)) for name, e in outputs]
        return reads, epi

    def make_read(self, reads: list[Read], s: Var, x: Expr, e: Expr, transpose: bool) -> Expr:
        st = self.spec.state(s.name)
        timing = "after" if s.shift == 0 else "before"
        if st.ty.kind == "vec":
            ty = Ty("scalar", (), st.ty.mem)
        else:
            ty = Ty("row" if transpose else "vec", (st.value_dim,), st.ty.mem)
        x_mem = x.ty.mem
        if x_mem and x_mem != st.ty.mem:
            raise self.err(f"reading {s.name} with a vector over memories {x_mem}", e)
        reads.append(Read(s.name, x, timing, Ty("scalar", (), st.ty.mem) if st.ty.kind == "vec"
                          else Ty("vec", (st.value_dim,), st.ty.mem), e.loc))
        return Var(f"read{len(reads) - 1}", "read", 0, ty, e.loc)


def split_scale(e: Expr) -> tuple[Expr | None, Expr]:
    """(c, x) for e = c * x with a state-free scalar c (else (None, e))."""
    if isinstance(e, (Binary, MatMul)) and getattr(e, "op", "*") == "*" and e.l.ty.kind == "scalar" \
            and not mentions_state(e.l):
        inner_c, core = split_scale(e.r)
        return (e.l if inner_c is None else T.binary("*", e.l, inner_c, e.loc)), core
    if isinstance(e, Unary) and e.op == "neg":
        inner_c, core = split_scale(e.x)
        return (Num(-1.0) if inner_c is None else T.neg(inner_c, e.loc)), core
    return None, e


def _mul_opt(a, b):
    if a is None:
        return b
    if b is None:
        return a
    return _mul(a, b)


def rebuild(e: Expr, kids: list[Expr]) -> Expr:
    """Re-type a node with new children (through the typed constructors)."""
    if not kids:
        return e
    if isinstance(e, Binary):
        return T.binary(e.op, kids[0], kids[1], e.loc)
    if isinstance(e, Unary):
        if e.op == "neg":
            return T.neg(kids[0], e.loc)
        return Unary(e.op, kids[0], e.ty, e.loc)
    if isinstance(e, Call):
        return T.call(e.fn, kids, e.loc, e.dim)
    if isinstance(e, Transpose):
        return T.transpose(kids[0], e.loc)
    if isinstance(e, MatMul):
        return T.matmul(kids[0], kids[1], e.loc)
    raise TypeError(type(e))


def log_of(d: Expr) -> Expr:
    """log of a positive coefficient, simplified: log exp x = x, log sigmoid x = logsigmoid x, products split."""
    if isinstance(d, Unary) and d.op == "asmem":
        return Unary("asmem", log_of(d.x), d.ty, d.loc)
    if isinstance(d, Call) and d.fn == "exp":
        return d.args[0]
    if isinstance(d, Call) and d.fn == "sigmoid":
        return T.call("logsigmoid", [d.args[0]], d.loc)
    if isinstance(d, Num):
        if d.value <= 0:
            raise LinError(f"a gate coefficient {d.value} is not positive", d.loc,
                           "a decay multiplies the state by a value in (0, 1], e.g. exp(g) with g: loggate")
        return Num(math.log(d.value), loc=d.loc)
    if isinstance(d, Binary) and d.op == "*":
        return T.binary("+", log_of(d.l), log_of(d.r), d.loc)
    if isinstance(d, MatMul) and (d.l.ty.kind == "scalar" or d.r.ty.kind == "scalar"):
        return T.binary("+", log_of(d.l), log_of(d.r), d.loc)
    if isinstance(d, Binary) and d.op == "/":
        return T.binary("-", log_of(d.l), log_of(d.r), d.loc)
    if isinstance(d, Binary) and d.op == "pow":
        return T.binary("*", d.r, log_of(d.l), d.loc)
    return T.call("log", [d], d.loc)


ROLE_BOUNDS = {"real": (-math.inf, math.inf), "loggate": (-math.inf, 0.0), "unit": (0.0, 1.0),
               "positive": (0.0, math.inf), "negative": (-math.inf, 0.0), "nonneg": (0.0, math.inf),
               "unitnorm": (-1.0, 1.0)}


def bounds(e: Expr, spec: Spec) -> tuple[float, float]:
    """Interval bounds of an elementwise expression under the declared input constraints.

    Unknown or ill-defined bounds (overflow, NaN) widen to (-inf, inf); lets are bounded once each."""
    try:
        lo, hi = _bounds(e, spec, {})
    except (OverflowError, ZeroDivisionError, ValueError):
        return -math.inf, math.inf
    except RecursionError:
        raise LinError("the spec's definitions are nested too deeply to analyse", e.loc,
                       "shorten the chain of lets that define this gate") from None
    if math.isnan(lo) or math.isnan(hi):
        return -math.inf, math.inf
    return lo, hi


def _bounds(e: Expr, spec: Spec, memo: dict) -> tuple[float, float]:
    inf = math.inf

    def mul(a, b):
        vals = []
        for x in a:
            for y in b:
                if (x == 0 and abs(y) == inf) or (y == 0 and abs(x) == inf):
                    vals.append(0.0)
                else:
                    vals.append(x * y)
        return min(vals), max(vals)

    def go(x: Expr):
        if isinstance(x, Num):
            return x.value, x.value
        if isinstance(x, Var):
            if x.kind in ("input", "param"):
                return ROLE_BOUNDS[spec.input(x.name).role]
            if x.kind in ("let", "option"):
                key = (x.kind, x.name)
                if key not in memo:
                    memo[key] = (-inf, inf)
                    memo[key] = go(dict(spec.lets)[x.name] if x.kind == "let" else spec.options[x.name])
                return memo[key]
            if x.kind == "dim":
                return 1.0, inf
            if x.kind == "head":
                return 0.0, inf
            return -inf, inf
        if isinstance(x, Unary):
            lo, hi = go(x.x)
            return (-hi, -lo) if x.op == "neg" else (lo, hi)
        if isinstance(x, (Binary, MatMul)):
            op = getattr(x, "op", "*") if isinstance(x, Binary) else ("*" if (x.l.ty.kind == "scalar" or x.r.ty.kind == "scalar") else "mm")
            a, b = go(x.l), go(x.r)
            if op == "+":
                return a[0] + b[0], a[1] + b[1]
            if op == "-":
                return a[0] - b[1], a[1] - b[0]
            if op == "*":
                return mul(a, b)
            if op == "/":
                if b[0] > 0 or b[1] < 0:
                    return mul(a, (1 / b[1] if b[1] != 0 else inf, 1 / b[0] if b[0] != 0 else inf)[::-1]
                               if b[0] > 0 else (1 / b[1], 1 / b[0] if b[0] != -inf else 0.0))
                return -inf, inf
            if op == "pow":
                if isinstance(x.r, Num) and b[0] == b[1]:
                    p = b[0]
                    if a[0] >= 0:
                        cands = [a[0] ** p if a[0] > 0 or p > 0 else inf, a[1] ** p if a[1] != inf else (inf if p > 0 else 0.0)]
                        return min(cands), max(cands)
                    return -inf, inf
                if a[0] > 0:
                    base_lo, base_hi = a
                    if base_lo == base_hi:
                        f = lambda z: base_lo ** z if abs(z) != inf else (inf if (z > 0) == (base_lo > 1) else 0.0)  # noqa: E731
                        return tuple(sorted((f(b[0]), f(b[1]))))
                return -inf, inf
            return -inf, inf
        if isinstance(x, Call):
            if x.fn in ("exp",):
                lo, hi = go(x.args[0])
                return _exp(lo), _exp(hi)
            if x.fn == "log":
                lo, hi = go(x.args[0])
                return (math.log(lo) if lo > 0 else -inf), (math.log(hi) if hi > 0 and hi != inf else (inf if hi == inf else -inf))
            if x.fn == "sigmoid":
                return 0.0, 1.0
            if x.fn == "logsigmoid":
                return -inf, 0.0
            if x.fn in ("softplus", "relu", "abs", "sqrt"):
                return 0.0, inf
            if x.fn == "tanh":
                return -1.0, 1.0
            if x.fn in ("l2norm",):
                return -1.0, 1.0
            if x.fn == "softmax":
                return 0.0, 1.0
            if x.fn == "elu":
                return -1.0, inf
            if x.fn == "silu":
                return -0.2785, inf
            if x.fn == "topk":
                return 0.0, 1.0
            if x.fn in ("min", "max"):
                a, b = go(x.args[0]), go(x.args[1])
                f = min if x.fn == "min" else max
                return f(a[0], b[0]), f(a[1], b[1])
            if x.fn == "cat":
                parts = [go(p) for p in x.args]
                return min(p[0] for p in parts), max(p[1] for p in parts)
            if x.fn == "kron":
                return mul(go(x.args[0]), go(x.args[1]))
            return -inf, inf
        return -inf, inf

    return go(e)


def _exp(v: float) -> float:
    if v == -math.inf:
        return 0.0
    if v > 700:
        return math.inf
    return math.exp(v)


def normalize(spec: Spec) -> Normalized:
    """Run the normalize pass on a checked spec."""
    n = Normalizer(spec)
    canon = {st.name: n.canonical(st, spec.updates[st.name]) for st in spec.states}
    reads, epi = n.reads(spec.outputs)
    used = {r.state for r in reads}
    for st in spec.states:
        if st.name not in used:
            raise LinError(f"state {st.name} is never read by an output", st.loc,
                           f"read it in an out line, e.g. {st.name}^T q, or remove it")
    return Normalized(spec, canon, reads, epi)
