"""Mutation and crossover operators over the IR. Each operator edits a copy of a spec through the typed constructors
and returns the child as .lin text re-parsed by the frontend, so a child is well formed by construction or the
operator reports that it does not apply (NotApplicable). Operators:

  add_gate, gate_to_vector, gate_to_scalar, remove_gate, gate_form   the key-side decay (scalar / per-key / none;
                                                                      exp(g), sigmoid(a), exp(dt * A), fixed per head)
  add_delta, remove_delta, swap_factors                              the delta-rule factor (I - beta kn kn^T)
  value_gate                                                         add or remove S diag(exp(gv))
  feature_map                                                        phi(x) on a key or query input
  expand_features                                                    a feature map that widens the keys (Taylor-2,
                                                                      Hedgehog, [relu(x), relu(-x)]): new dim F
  add_normalizer                                                     a normalizer state z and o / (z^T q + eps)
  bonus_readout                                                      read S_(t-1) plus a bonus term (RWKV-6)
  route                                                              M memories, top-k routed, mixed by the router
  tie_input                                                          input k = 1 - exp(g) (HGRN-2)
  crossover(a, b)                                                    a's spec with b's transition
"""
from __future__ import annotations

import random
from contextlib import contextmanager
from dataclasses import replace

from .. import types as T
from ..dimexpr import poly_add, poly_const, poly_dim, poly_mul
from ..errors import LinError
from ..frontend import parse_spec
from ..frontend.printer import spec_key, to_lin
from ..ir import (RESERVED, SCALAR, Binary, Call, Expr, InputDecl, MatMul, Num, Spec, StateDecl, Transpose, Ty,
                  Unary, Var, structural_key)
from ..passes.normalize import bounds, rebuild
from .view import _flatten, is_scalar, product, rank_one_parts, vec_norm, view_of


class NotApplicable(Exception):
    """The operator does not apply to this spec (the reason is the message)."""


# ------------------------------------------------------------------ a mutable copy of a spec
class Draft:
    def __init__(self, spec: Spec):
        self.spec = spec
        self.name = spec.name
        self.dims = list(spec.dims)
        self.derived_dims = dict(spec.derived_dims)
        self.inputs = list(spec.inputs)
        self.options = dict(spec.options)
        self.lets = list(spec.lets)
        self.states = [replace(s) for s in spec.states]
        self.updates = dict(spec.updates)
        self.outputs = list(spec.outputs)

    def used_names(self) -> set[str]:
        return set(self.dims) | {i.name for i in self.inputs} | set(self.options) | {n for n, _ in self.lets} \
            | {s.name for s in self.states} | {n for n, _ in self.outputs} | RESERVED

    def fresh(self, base: str) -> str:
        used, n = self.used_names(), 2
        name = base
        while name in used:
            name, n = f"{base}{n}", n + 1
        return name

    def add_input(self, base: str, dims: list[str], role: str, kind: str = "input") -> Var:
        name = self.fresh(base)
        for d in dims:
            if d not in self.dims:
                self.dims.append(d)
        ty = SCALAR if not dims else Ty("vec", (dims[-1],), dims[0] if len(dims) == 2 else None)
        self.inputs.append(InputDecl(name, ty, role, kind))
        return Var(name, kind, 0, ty)

    def add_let(self, base: str, e: Expr, first: bool = False) -> Var:
        name = self.fresh(base)
        self.lets.insert(0, (name, e)) if first else self.lets.append((name, e))
        return Var(name, "let", 0, e.ty)

    def all_exprs(self) -> list[Expr]:
        return [e for _, e in self.lets] + list(self.updates.values()) + [e for _, e in self.outputs] \
            + list(self.options.values()) + [s.route for s in self.states if s.route is not None]

    def prune(self) -> None:
        """Drop lets and inputs that nothing refers to any more."""
        while True:
            refs = {v.name for e in self.all_exprs() for v in e.walk() if isinstance(v, Var)}
            lets = [(n, e) for n, e in self.lets if n in refs]
            inputs = [i for i in self.inputs if i.name in refs]
            if len(lets) == len(self.lets) and len(inputs) == len(self.inputs):
                return
            self.lets, self.inputs = lets, inputs

    def substitute(self, mapping: dict[str, Expr], where: str = "all", skip_let: str | None = None) -> None:
        def sub(e):
            return replace_vars(e, mapping)
        if where in ("all", "inner"):
            self.lets = [(n, e if n == skip_let else sub(e)) for n, e in self.lets]
            self.updates = {k: sub(e) for k, e in self.updates.items()}
            for s in self.states:
                if s.route is not None:
                    s.route = sub(s.route)
        if where in ("all", "outputs"):
            self.outputs = [(n, sub(e)) for n, e in self.outputs]

    def spec_obj(self) -> Spec:
        return Spec(self.name, "<draft>", self.dims, self.inputs, self.options, self.lets, self.states, self.updates,
                    self.outputs, derived_dims=self.derived_dims)

    def finish(self) -> Spec:
        """Print and re-parse: the child as the frontend sees it (raises NotApplicable if it does not check)."""
        self.prune()
        text = to_lin(self.spec_obj())
        try:
            return parse_spec(text, f"<{self.name}>")
        except LinError as e:
            raise NotApplicable(f"the edit does not type-check: {e.message}") from None


def replace_vars(e: Expr, mapping: dict[str, Expr]) -> Expr:
    if isinstance(e, Var):
        return mapping.get(e.name, e) if e.kind in ("input", "let", "param") and e.shift == 0 else e
    kids = e.children()
    if not kids:
        return e
    new = [replace_vars(k, mapping) for k in kids]
    if all(a is b for a, b in zip(new, kids)):
        return e
    return rebuild(e, new)


@contextmanager
def _memory_dims(spec: Spec):
    tok = T.MEMORY_DIMS.set(frozenset(s.ty.mem for s in spec.states if s.ty.mem))
    try:
        yield
    finally:
        T.MEMORY_DIMS.reset(tok)


def _primary(d: Draft):
    """The first matrix state with a factored view."""
    for st in d.states:
        if st.ty.kind == "mat":
            v = view_of(d.spec, st.name)
            if v is not None:
                return st, v
    raise NotApplicable("no matrix state whose update is a product of factors")


def _state_var(st: StateDecl) -> Var:
    return Var(st.name, "state", -1, st.ty)


def _is_gate(f: Expr) -> bool:
    return is_scalar(f) or (isinstance(f, Call) and f.fn == "diag")


def _gate_input(f: Expr, d: Draft):
    """For a gate exp(g) / diag(exp(g)) on a loggate input g: the input decl, else None."""
    inner = f.args[0] if isinstance(f, Call) and f.fn == "diag" else f
    if isinstance(inner, Unary) and inner.op == "asmem":
        return None
    if isinstance(inner, Call) and inner.fn == "exp" and isinstance(inner.args[0], Var) \
            and inner.args[0].kind == "input":
        decl = next(i for i in d.inputs if i.name == inner.args[0].name)
        return decl if decl.role == "loggate" and decl.ty.mem is None else None
    return None


def _set_update(d: Draft, st: StateDecl, v) -> None:
    d.updates[st.name] = v.rebuild(_state_var(st))


# ------------------------------------------------------------------ operators
def add_gate(d: Draft, rng: random.Random) -> str:
    st, v = _primary(d)
    if any(_is_gate(f) for f in v.key):
        raise NotApplicable("already gated")
    if rng.random() < 0.5:
        g = d.add_input("g", [], "loggate")
        v.key.insert(0, T.call("exp", [g]))
        what = "scalar"
    else:
        g = d.add_input("g", [st.key_dim], "loggate")
        v.key.insert(0, T.call("diag", [T.call("exp", [g])]))
        what = "per-key"
    _set_update(d, st, v)
    return f"add a {what} data-dependent decay exp({g.name}) on {st.name}"


def _retype_gate(d: Draft, to_vector: bool) -> str:
    st, v = _primary(d)
    for i, f in enumerate(v.key):
        decl = _gate_input(f, d)
        if decl is None or (decl.ty.kind == "vec") == to_vector:
            continue
        ty = Ty("vec", (st.key_dim,)) if to_vector else SCALAR
        d.inputs = [replace(x, ty=ty) if x.name == decl.name else x for x in d.inputs]
        g = Var(decl.name, "input", 0, ty)
        v.key[i] = T.call("diag", [T.call("exp", [g])]) if to_vector else T.call("exp", [g])
        _set_update(d, st, v)  # other uses of the input keep its name; the re-parse types them
        return f"decay {decl.name} of {st.name}: {'scalar -> per-key' if to_vector else 'per-key -> scalar'}"
    raise NotApplicable("no gate of that kind on a loggate input")


def gate_to_vector(d: Draft, rng: random.Random) -> str:
    return _retype_gate(d, True)


def gate_to_scalar(d: Draft, rng: random.Random) -> str:
    return _retype_gate(d, False)


def _pick_gate(d: Draft, rng: random.Random):
    """(state, its update view, index of a randomly chosen decay factor) of the primary state."""
    st, v = _primary(d)
    idx = [i for i, f in enumerate(v.key) if _is_gate(f)]
    if not idx:
        raise NotApplicable("no gate")
    return st, v, rng.choice(idx)


def remove_gate(d: Draft, rng: random.Random) -> str:
    st, v, i = _pick_gate(d, rng)
    f = v.key.pop(i)
    _set_update(d, st, v)
    return f"remove the decay factor {_render(f)} of {st.name}"


def gate_form(d: Draft, rng: random.Random) -> str:
    st, v, i = _pick_gate(d, rng)
    vector = isinstance(v.key[i], Call) and v.key[i].fn == "diag"
    forms = ["exp", "sigmoid"] + ([] if vector else ["dtA", "fixed"])
    form = rng.choice(forms)
    dims = [st.key_dim] if vector else []
    if form == "exp":
        g = T.call("exp", [d.add_input("g", dims, "loggate")])
        what = "exp(g), g: loggate"
    elif form == "sigmoid":
        g = T.call("sigmoid", [d.add_input("a", dims, "real")])
        what = "sigmoid(a)"
    elif form == "dtA":
        dt = d.add_input("dt", [], "positive")
        A = d.add_input("A", [], "negative", kind="param")
        g = T.call("exp", [T.binary("*", dt, A)])
        what = "exp(dt * A), dt > 0 per token, A < 0 per head (Mamba-2)"
    else:
        e = T.call("log", [T.binary("-", Num(1.0), T.binary("pow", Num(2.0), T.binary("-", T.neg(Num(5.0)),
                                                                                         Var("head", "head"))))])
        g = T.call("exp", [d.add_let("gamma", e)])
        what = "fixed per-head decay 1 - 2^(-5 - head) (RetNet)"
    new = T.call("diag", [g]) if vector else g
    if structural_key(new) == structural_key(v.key[i]):
        raise NotApplicable("same form")
    v.key[i] = new
    _set_update(d, st, v)
    return f"decay of {st.name} -> {what}"


def _key_vector(v) -> tuple[list, Expr, Expr]:
    if len(v.inputs) != 1:
        raise NotApplicable("needs exactly one input term k v^T")
    parts = rank_one_parts(v.inputs[0])
    if parts is None:
        raise NotApplicable("the input term is not c * k v^T")
    return parts


def add_delta(d: Draft, rng: random.Random) -> str:
    st, v = _primary(d)
    if any(not _is_gate(f) for f in v.key):
        raise NotApplicable("already has a non-diagonal factor")
    scalars, k, val = _key_vector(v)
    kn = k if vec_norm(k, d.spec) <= 1.0 else d.add_let("kn", T.call("l2norm", [k]))
    beta = d.add_input("beta", [], "unit")
    v.key.append(T.binary("-", Var("I", "ident", 0, Ty("ident")), T.matmul(T.binary("*", beta, kn), T.transpose(kn))))
    v.inputs = [product(scalars + [T.binary("*", beta, kn), T.transpose(val)])]
    _set_update(d, st, v)
    return f"add a delta-rule factor (I - {beta.name} kn kn^T) to {st.name}, input {beta.name} * kn v^T"


def remove_delta(d: Draft, rng: random.Random) -> str:
    st, v = _primary(d)
    idx = [i for i, f in enumerate(v.key) if not _is_gate(f)]
    if not idx:
        raise NotApplicable("no non-diagonal factor")
    f = v.key.pop(rng.choice(idx))
    _set_update(d, st, v)
    return f"remove the factor {_render(f)} of {st.name}"


def swap_factors(d: Draft, rng: random.Random) -> str:
    st, v = _primary(d)
    pairs = [i for i in range(len(v.key) - 1) if not (is_scalar(v.key[i]) or is_scalar(v.key[i + 1]))]
    if not pairs:
        raise NotApplicable("no two adjacent matrix factors")
    i = rng.choice(pairs)
    v.key[i], v.key[i + 1] = v.key[i + 1], v.key[i]
    _set_update(d, st, v)
    return f"swap the order of {_render(v.key[i + 1])} and {_render(v.key[i])} in {st.name}"


def value_gate(d: Draft, rng: random.Random) -> str:
    st, v = _primary(d)
    if v.value:
        v.value = []
        _set_update(d, st, v)
        return f"remove the value-side gate of {st.name}"
    gv = d.add_input("gv", [st.value_dim], "loggate")
    v.value = [T.call("diag", [T.call("exp", [gv])])]
    _set_update(d, st, v)
    return f"add a value-side decay S diag(exp({gv.name})) to {st.name}"


PHI = {"elu1": lambda x: T.binary("+", T.call("elu", [x]), Num(1.0)), "relu": lambda x: T.call("relu", [x]),
       "silu": lambda x: T.call("silu", [x]), "sigmoid": lambda x: T.call("sigmoid", [x]),
       "softmax": lambda x: T.call("softmax", [x]), "l2norm": lambda x: T.call("l2norm", [x])}


def feature_map(d: Draft, rng: random.Random) -> str:
    st, _ = _primary(d)
    cands = [i for i in d.inputs if i.kind == "input" and i.role == "real" and i.ty.kind == "vec"
             and i.ty.mem is None and i.ty.dims == (st.key_dim,)]
    if not cands:
        raise NotApplicable("no real key-sized vector input")
    x = rng.choice(cands)
    name = rng.choice(sorted(PHI))
    xv = Var(x.name, "input", 0, x.ty)
    existing = [n for n, e in d.lets if n.startswith(f"phi_{x.name}") and any(
        isinstance(a, Var) and a.name == x.name for a in e.walk())]
    if existing:
        n = existing[0]
        d.lets = [(m, PHI[name](xv) if m == n else e) for m, e in d.lets]
        return f"feature map of {x.name} -> {name}"
    f = d.add_let(f"phi_{x.name}", PHI[name](xv), first=True)
    d.substitute({x.name: f}, skip_let=f.name)
    return f"feature map {name} on {x.name}"


def _feature_dim(d: Draft, poly: tuple, base: str) -> str:
    """The dim of size poly: an existing one, else a new derived dim named after base."""
    sizes = {n: d.derived_dims.get(n, poly_dim(n)) for n in d.dims}
    same = [n for n, p in sizes.items() if p == poly]
    if same:
        return same[0]
    name = d.fresh(base)
    d.dims.append(name)
    d.derived_dims[name] = poly
    return name


def _expansion(d: Draft, kind: str, K: str):
    """(phi, its dim) for a feature map that changes the key size: Based's Taylor-2 map (1 + K + K^2 entries),
    Hedgehog's softmax([2x, -2x]) or [relu(x), relu(-x)] (2K, non-negative)."""
    Kp = d.derived_dims.get(K, poly_dim(K))
    dim_k = Var(K, "dim", 0, SCALAR)
    if kind == "taylor2":
        K2 = _feature_dim(d, poly_mul(Kp, Kp), "K2")
        F = _feature_dim(d, poly_add(poly_add(poly_const(1), Kp), poly_mul(Kp, Kp)), "F")
        quarter = T.binary("pow", dim_k, Num(0.25))
        half = T.call("sqrt", [T.binary("*", Num(2.0), dim_k)])
        return (lambda x: T.call("cat", [Num(1.0), T.binary("/", x, quarter),
                                         T.binary("/", T.call("kron", [x, x], dim=K2), half)], dim=F)), F
    F = _feature_dim(d, poly_add(Kp, Kp), "F")
    if kind == "hedgehog":
        return (lambda x: T.call("softmax", [T.call("cat", [T.binary("*", Num(2.0), x),
                                                            T.binary("*", T.neg(Num(2.0)), x)], dim=F)])), F
    return (lambda x: T.call("cat", [T.call("relu", [x]), T.call("relu", [T.neg(x)])], dim=F)), F


EXPANSIONS = ("taylor2", "hedgehog", "relu_pm")


def _single_state(d: Draft):
    """(state, view) of a spec with one state, not routed."""
    if len(d.states) != 1:
        raise NotApplicable("needs a single state")
    st, v = _primary(d)
    if st.route is not None:
        raise NotApplicable("routed state")
    return st, v


def _is_state_read(e: Expr) -> bool:
    return isinstance(e, MatMul) and isinstance(e.l, Transpose) and isinstance(e.l.x, Var) and e.l.x.kind == "state"


def expand_features(d: Draft, rng: random.Random) -> str:
    st, v = _single_state(d)
    if not all(is_scalar(f) for f in v.key):
        raise NotApplicable("a key-side factor over the keys (diagonal or rank-one) cannot act on the features")
    scalars, k, val = _key_vector(v)
    kind = rng.choice(EXPANSIONS)
    phi, F = _expansion(d, kind, st.key_dim)

    def read_mapped(e: Expr) -> Expr:
        if _is_state_read(e):
            return MatMul(e.l, phi(e.r), e.ty, e.loc)
        kids = [read_mapped(c) for c in e.children()]
        return _raw(e, kids) if kids else e
    outputs = [(n, read_mapped(o)) for n, o in d.outputs]
    if all(structural_key(a) == structural_key(b) for (_, a), (_, b) in zip(outputs, d.outputs)):
        raise NotApplicable("no read S^T x of the state")
    d.outputs = outputs
    st.ty = Ty("mat", (F, st.ty.dims[1]), st.ty.mem)
    v.inputs = [product(scalars + [phi(k), T.transpose(val)])]
    _set_update(d, st, v)
    return f"expand the key features of {st.name} to {F}: {kind}"


def add_normalizer(d: Draft, rng: random.Random) -> str:
    st, v = _single_state(d)
    scalars, k, _ = _key_vector(v)
    if bounds(k, d.spec)[0] < 0:
        raise NotApplicable("the key vector is not shown non-negative (apply a positive feature map first)")
    reads = [e for _, o in d.outputs for e in o.walk() if _is_state_read(e)]
    if len(reads) != 1 or bounds(reads[0].r, d.spec)[0] < 0:
        raise NotApplicable("needs one read S^T x with x shown non-negative")
    x = reads[0].r
    zname = d.fresh("z")
    zty = Ty("vec", (st.key_dim,))
    z = StateDecl(zname, zty)
    d.states.append(z)
    gates = [f for f in v.key if _is_gate(f)]
    d.updates[zname] = T.binary("+", product(gates + [Var(zname, "state", -1, zty)]) if gates
                                else Var(zname, "state", -1, zty), k)
    eps = d.fresh("eps")
    d.options[eps] = Num(1e-6)
    den = T.binary("+", T.matmul(T.transpose(Var(zname, "state", 0, zty)), x), Var(eps, "option"))
    d.outputs = [(n, T.binary("/", o, den)) for n, o in d.outputs]
    return f"add a normalizer state {zname} (same decay) and divide the output by {zname}^T x + {eps}"


def bonus_readout(d: Draft, rng: random.Random) -> str:
    st, v = _primary(d)
    if st.route is not None:
        raise NotApplicable("routed state")
    scalars, k, val = _key_vector(v)
    u = d.add_input("u", [st.key_dim], "real", kind="param")
    done = []

    def sub(e: Expr) -> Expr:
        if isinstance(e, MatMul) and isinstance(e.l, Transpose) and isinstance(e.l.x, Var) \
                and e.l.x.name == st.name and e.l.x.shift == 0:
            x = e.r
            before = T.matmul(T.transpose(Var(st.name, "state", -1, st.ty)), x)
            done.append(1)
            kk = product(scalars + [k]) if scalars else k
            bonus = T.matmul(T.matmul(T.transpose(x), T.binary("*", u, kk)), val)
            return T.binary("+", before, bonus)
        kids = e.children()
        return rebuild(e, [sub(c) for c in kids]) if kids else e
    d.outputs = [(n, sub(o)) for n, o in d.outputs]
    if not done:
        raise NotApplicable("no read S^T x after the update")
    return f"read {st.name}[t-1] plus a bonus term (x^T (u * k)) v (RWKV-6)"


def route(d: Draft, rng: random.Random) -> str:
    if len(d.states) != 1 or d.states[0].ty.kind != "mat" or d.states[0].ty.mem:
        raise NotApplicable("needs a single non-routed matrix state")
    if any(i.ty.mem for i in d.inputs):
        raise NotApplicable("inputs already over memories")
    st = d.states[0]
    M = d.fresh("M")
    d.dims.insert(0, M)
    r = d.add_input("r", [M], "real")
    n = rng.choice([1, 2])
    sel = d.add_let("sel", T.call("topk", [r, Num(float(n))]))
    w = d.add_let("w", T.binary("*", sel, T.call("softmax", [r])))
    d.states = [replace(st, ty=st.ty.with_mem(M), route=sel)]

    def sub(e: Expr) -> Expr:
        if isinstance(e, MatMul) and isinstance(e.l, Transpose) and isinstance(e.l.x, Var) and e.l.x.name == st.name:
            return Binary("/", Call("sum", (Binary("*", w, e),), dim=M), Call("sum", (w,), dim=M))
        kids = e.children()
        if not kids:
            return e
        new = [sub(c) for c in kids]
        return e if all(a is b for a, b in zip(new, kids)) else _raw(e, new)
    d.outputs = [(nm, sub(o)) for nm, o in d.outputs]
    return f"{st.name} -> {M} memories routed by top-{n} of router r, reads mixed by the router weights"


def tie_input(d: Draft, rng: random.Random) -> str:
    st, v = _primary(d)
    gates = [f for f in v.key if isinstance(f, Call) and f.fn == "diag" and _gate_input(f, d) is not None]
    if not gates:
        raise NotApplicable("no per-key loggate")
    scalars, k, val = _key_vector(v)
    g = gates[0].args[0]
    tied = T.binary("-", Num(1.0), g)
    if structural_key(k) == structural_key(tied):
        raise NotApplicable("already tied")
    v.inputs = [product(scalars + [tied, T.transpose(val)])]
    _set_update(d, st, v)
    return f"input gate tied to the decay: k -> 1 - {_render(g)} (HGRN-2)"


MUTATIONS = {f.__name__: f for f in (add_gate, gate_to_vector, gate_to_scalar, remove_gate, gate_form, add_delta,
                                     remove_delta, swap_factors, value_gate, feature_map, expand_features,
                                     add_normalizer,
                                     bonus_readout, route, tie_input)}


def crossover(a: Spec, b: Spec, rng: random.Random) -> tuple[Spec, str]:
    """a with b's transition (key- and value-side factors of the primary state); b's names come along (renamed if
    they clash with a different declaration in a)."""
    d = Draft(a)
    with _memory_dims(a):
        st, v = _primary(d)
        db = Draft(b)
        _, vb = _primary(db)
        if st.route is not None or any(s.route is not None for s in b.states):
            raise NotApplicable("routed states")
        mapping: dict[str, Expr] = {}
        needed = {x.name: x for f in vb.key + vb.value for x in f.walk() if isinstance(x, Var)
                  and x.kind in ("input", "param", "let", "option")}
        for name, x in needed.items():
            mapping[name] = _import_name(d, b, name, x.kind)
        v.key = [replace_vars(f, mapping) for f in vb.key]
        v.value = [replace_vars(f, mapping) for f in vb.value]
        try:
            d.updates[st.name] = v.rebuild(_state_var(st))
        except LinError as e:  # e.g. b's per-key gate over K on a state whose keys a widened to F
            raise NotApplicable(f"b's transition does not fit a's state: {e.message}") from None
        return d.finish(), f"{a.name} with the transition of {b.name}"


def _import_name(d: Draft, b: Spec, name: str, kind: str) -> Expr:
    if kind in ("input", "param"):
        decl = b.input(name)
        mine = next((i for i in d.inputs if i.name == name), None)
        if mine is not None and (mine.ty, mine.role, mine.kind) == (decl.ty, decl.role, decl.kind):
            return Var(name, kind, 0, decl.ty)
        for dim in ([decl.ty.mem] if decl.ty.mem else []) + list(decl.ty.dims):
            if dim not in d.dims:
                raise NotApplicable(f"dimension {dim} of {name} is not in {d.name}")
        new = d.fresh(name)
        d.inputs.append(replace(decl, name=new, loc=None))
        return Var(new, kind, 0, decl.ty)
    if kind == "option":
        if name in d.options:
            return Var(name, "option", 0, SCALAR)
        d.options[name] = b.options[name]
        return Var(name, "option", 0, SCALAR)
    e = dict(b.lets)[name]
    inner = {x.name: _import_name(d, b, x.name, x.kind) for x in e.walk()
             if isinstance(x, Var) and x.kind in ("input", "param", "let", "option")}
    e = replace_vars(e, inner)
    for n, mine in d.lets:
        if structural_key(mine) == structural_key(e):
            return Var(n, "let", 0, e.ty)
    return d.add_let(name, e)


def mutate(spec: Spec, op: str, rng: random.Random) -> tuple[Spec, str]:
    """Apply one named mutation; returns (child, description) or raises NotApplicable."""
    d = Draft(spec)
    with _memory_dims(spec):
        try:
            desc = MUTATIONS[op](d, rng)
        except LinError as e:
            raise NotApplicable(f"the edit does not type-check: {e.message}") from None
        child = d.finish()
    if spec_key(replace(child, name=spec.name)) == spec_key(spec):
        raise NotApplicable("no change")
    return child, desc


def _render(e: Expr) -> str:
    from ..frontend.printer import render_expr
    return render_expr(e)


def _raw(e: Expr, kids: list[Expr]) -> Expr:
    """Rebuild a node without re-typing (for edits whose types only the re-parse can know)."""
    if isinstance(e, Binary):
        return Binary(e.op, kids[0], kids[1], e.ty)
    if isinstance(e, Unary):
        return Unary(e.op, kids[0], e.ty)
    if isinstance(e, Call):
        return Call(e.fn, tuple(kids), e.ty, None, e.dim)
    if isinstance(e, Transpose):
        return Transpose(kids[0], e.ty)
    if isinstance(e, MatMul):
        return MatMul(kids[0], kids[1], e.ty)
    raise TypeError(type(e))


__all__ = ["MUTATIONS", "NotApplicable", "crossover", "mutate"]
