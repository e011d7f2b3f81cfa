"""The typed IR shared by every frontend (.lin files, the Python decorator) and every pass.

A spec is a per-token program: declared inputs, derived per-token quantities (`let`), one or more
states with an update written on the previous state, and outputs read from the states.
Expressions are small immutable trees; each node carries its type once the builder has checked it.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterator

from .errors import Loc

ROLES = {
    "real": "any real value",
    "loggate": "a log-gate, g <= 0 (the gate exp(g) lies in (0, 1])",
    "unit": "a value in (0, 1), e.g. a sigmoid output",
    "positive": "a value > 0",
    "negative": "a value < 0",
    "nonneg": "a value >= 0",
    "unitnorm": "an L2-normalised vector",
}

ELEMENTWISE = ("exp", "log", "sigmoid", "logsigmoid", "silu", "relu", "elu", "softplus", "tanh", "sqrt", "abs")
BUILTINS = ELEMENTWISE + ("l2norm", "softmax", "sum", "diag", "topk", "min", "max", "cat", "kron")
RESERVED = set(BUILTINS) | {"I", "t", "head", "H", "lin", "dim", "in", "param", "option", "let", "state", "out",
                            "routed", "by"}


@dataclass(frozen=True)
class Ty:
    """A value's type. kind: scalar | vec (column) | row | mat | ident (the identity, any square size).

    dims: () for scalar/ident, (d,) for vec/row, (rows, cols) for mat. mem: the memory axis of a
    multi-memory (routed) state, or None.
    """

    kind: str
    dims: tuple[str, ...] = ()
    mem: str | None = None

    def __str__(self) -> str:
        core = {"scalar": "scalar", "ident": "I"}.get(self.kind)
        if core is None:
            inner = ", ".join(self.dims)
            core = {"vec": f"[{inner}]", "row": f"[{inner}]^T", "mat": f"[{inner}]"}[self.kind]
        return f"[{self.mem}] x {core}" if self.mem else core

    def with_mem(self, mem: str | None) -> "Ty":
        return replace(self, mem=mem)


SCALAR = Ty("scalar")


@dataclass(frozen=True, eq=False)
class Expr:
    """Base of expression nodes. `ty` is set by the builder; `loc` points into the source."""

    def children(self) -> tuple["Expr", ...]:
        return ()

    def walk(self) -> Iterator["Expr"]:
        yield self
        for c in self.children():
            yield from c.walk()


@dataclass(frozen=True, eq=False)
class Num(Expr):
    value: float
    ty: Ty = SCALAR
    loc: Loc | None = None


@dataclass(frozen=True, eq=False)
class Var(Expr):
    """A name. kind: input | param | let | option | dim | head | state | ident | read.

    shift: 0 for the current token, -1 for the previous one (token shift, or S[t-1] in a readout).
    In an update's right-hand side a state Var always has shift -1 (the previous state).
    """

    name: str
    kind: str
    shift: int = 0
    ty: Ty = SCALAR
    loc: Loc | None = None


@dataclass(frozen=True, eq=False)
class Unary(Expr):
    op: str
    x: Expr
    ty: Ty = SCALAR
    loc: Loc | None = None

    def children(self):
        return (self.x,)


@dataclass(frozen=True, eq=False)
class Binary(Expr):
    """Elementwise + - * / and pow (scalar or broadcast)."""

    op: str
    l: Expr
    r: Expr
    ty: Ty = SCALAR
    loc: Loc | None = None

    def children(self):
        return (self.l, self.r)


@dataclass(frozen=True, eq=False)
class Call(Expr):
    fn: str
    args: tuple[Expr, ...]
    ty: Ty = SCALAR
    loc: Loc | None = None
    dim: str | None = None  # the reduced axis of sum(x, M); the result's (derived) dim of cat() and kron()

    def children(self):
        return self.args


@dataclass(frozen=True, eq=False)
class Transpose(Expr):
    x: Expr
    ty: Ty = SCALAR
    loc: Loc | None = None

    def children(self):
        return (self.x,)


@dataclass(frozen=True, eq=False)
class MatMul(Expr):
    """Matrix product (juxtaposition or @): outer, dot, matrix-vector, matrix-matrix or scaling."""

    l: Expr
    r: Expr
    ty: Ty = SCALAR
    loc: Loc | None = None

    def children(self):
        return (self.l, self.r)


@dataclass
class InputDecl:
    name: str
    ty: Ty
    role: str
    kind: str  # "input" (per token) or "param" (per head, constant over time)
    loc: Loc | None = None


@dataclass
class StateDecl:
    name: str
    ty: Ty  # mat(K, V) or vec(K); mem set for multi-memory states
    route: Expr | None = None
    loc: Loc | None = None

    @property
    def key_dim(self) -> str:
        return self.ty.dims[0]

    @property
    def value_dim(self) -> str | None:
        return self.ty.dims[1] if self.ty.kind == "mat" else None


@dataclass
class Spec:
    """A checked spec: the frontend-independent IR every pass consumes."""

    name: str
    file: str
    dims: list[str]
    inputs: list[InputDecl]
    options: dict[str, Expr]
    lets: list[tuple[str, Expr]]
    states: list[StateDecl]
    updates: dict[str, Expr]
    outputs: list[tuple[str, Expr]]
    source: str = ""
    option_locs: dict[str, Loc] = field(default_factory=dict)
    derived_dims: dict[str, tuple] = field(default_factory=dict)  # dim -> its polynomial of base dims (lindsl.dimexpr)

    def input(self, name: str) -> InputDecl:
        return next(i for i in self.inputs if i.name == name)

    def state(self, name: str) -> StateDecl:
        return next(s for s in self.states if s.name == name)

    @property
    def token_inputs(self) -> list[InputDecl]:
        return [i for i in self.inputs if i.kind == "input"]

    @property
    def params(self) -> list[InputDecl]:
        return [i for i in self.inputs if i.kind == "param"]


def structural_key(e: Expr) -> tuple:
    """A hashable key equal for structurally equal expressions (ignores locations)."""
    if isinstance(e, Num):
        return ("num", e.value)
    if isinstance(e, Var):
        return ("var", e.name, e.kind, e.shift)
    if isinstance(e, Unary):
        return ("un", e.op, structural_key(e.x))
    if isinstance(e, Binary):
        return ("bin", e.op, structural_key(e.l), structural_key(e.r))
    if isinstance(e, Call):
        return ("call", e.fn, e.dim) + tuple(structural_key(a) for a in e.args)
    if isinstance(e, Transpose):
        return ("T", structural_key(e.x))
    if isinstance(e, MatMul):
        return ("mm", structural_key(e.l), structural_key(e.r))
    raise TypeError(type(e))


def mentions_state(e: Expr, states: set[str] | None = None) -> bool:
    return any(isinstance(n, Var) and n.kind == "state" and (states is None or n.name in states) for n in e.walk())


def render(e: Expr) -> str:
    """Print an expression back in .lin notation."""
    prec = {"+": 1, "-": 1, "*": 2, "/": 2, "mm": 2, "neg": 3, "pow": 4}

    def go(x: Expr, outer: int = 0) -> str:
        if isinstance(x, Num):
            v = x.value
            return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else repr(v)
        if isinstance(x, Var):
            if x.kind == "ident":
                return "I"
            return x.name + (f"[t{x.shift:+d}]" if x.shift else "")
        if isinstance(x, Unary):
            if x.op != "neg":
                return go(x.x, outer)
            s = "-" + go(x.x, prec["neg"])
            return f"({s})" if outer > prec["neg"] else s
        if isinstance(x, Binary):
            if x.op == "pow":
                s = f"{go(x.l, 5)}^{go(x.r, 5)}"
                return s
            p = prec[x.op]
            s = f"{go(x.l, p)} {x.op} {go(x.r, p + 1)}"
            return f"({s})" if outer > p else s
        if isinstance(x, Call):
            args = [go(a) for a in x.args] + ([x.dim] if x.dim and x.fn == "sum" else [])
            return f"{x.fn}({', '.join(args)})"
        if isinstance(x, Transpose):
            return f"{go(x.x, 5)}^T"
        if isinstance(x, MatMul):
            p = prec["mm"]
            s = f"{go(x.l, p)} {go(x.r, p + 1)}"
            return f"({s})" if outer > p else s
        raise TypeError(type(x))

    return go(e)
