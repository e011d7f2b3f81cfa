"""Emit Triton code for per-token IR expressions (the fused decode step's prologue and epilogue).

The Triton counterpart of emit.Emitter: one token of one (sequence, head) program, each value a Triton scalar or a
1-D block over one of the spec's dims. Which indices a dim takes depends on the context the value is needed in: the
state's key block, its value block, or a dim's full range (inside a reduction: sum, l2norm, softmax, a dot
product). Every node becomes one SSA line (`e<i> = ...`), shared between uses in the same context. Lanes past a
dim's size hold arbitrary values: every reduction masks them and every vector handed to the state is zeroed there.
No spec name reaches the source: inputs, params, options and dims are named by their index.
"""
from __future__ import annotations

from dataclasses import dataclass

from lindsl.ir import Binary, Call, Expr, MatMul, Num, Spec, Transpose, Ty, Unary, Var, structural_key

from .emit import is_const


class NotFusable(Exception):
    """The spec has a construct the fused step does not emit (the reason is the message)."""


# the Triton lowering of each elementwise builtin (lindsl.runtime.builtins' semantics); _lin_* are jit helpers of
# lindsl/runtime/triton_engine.py
TRITON_FN = {
    "exp": "tl.exp", "log": "tl.log", "sigmoid": "tl.sigmoid", "logsigmoid": "_lin_logsigmoid", "silu": "_lin_silu",
    "relu": "_lin_relu", "elu": "_lin_elu", "softplus": "_lin_softplus", "tanh": "_lin_tanh", "sqrt": "tl.sqrt",
    "abs": "tl.abs",
}
L2NORM_EPS = 1e-6  # lindsl.runtime.builtins.L2NORM_EPS


@dataclass(frozen=True)
class Axis:
    """The indices a dim takes in a context: a name of a block of indices and the name of its in-range mask."""
    index: str
    mask: str


Ctx = tuple  # ((dim, Axis), ...) sorted by dim


def ctx_of(**axes: Axis) -> Ctx:
    return tuple(sorted(axes.items()))


class TritonEmitter:
    """Turns typed per-token expressions into Triton lines for one token.

    spec: the spec (its lets, inputs, params, dims); full: dim -> Axis of the dim's whole range; names: the source
    of each leaf, `input(i, decl, idx, mask, shift)`, `param(i, decl, idx, mask)`, `option(i)`, `dim(i)`;
    reads: read name -> (code, dim, Axis): a read's value exists only in the value block it was computed for."""

    def __init__(self, spec: Spec, full: dict[str, Axis], leaves, reads: dict | None = None, rows: bool = False):
        self.spec, self.full, self.leaves = spec, full, leaves
        self.rows = rows  # a block of rows per program: per-row scalars are [ROWS], vectors [ROWS, F]
        self.axis_of_dims = 1 if rows else 0
        self.reads = reads or {}
        self.lets = dict(spec.lets)
        self.lines: list[str] = []
        self.memo: dict = {}

    # ---------------------------------------------------------------- contexts
    def widen(self, ctx: Ctx, dim: str) -> Ctx:
        """ctx with dim over its full range (for a reduction over dim)."""
        d = dict(ctx)
        d[dim] = self.full[dim]
        return tuple(sorted(d.items()))

    @staticmethod
    def axis(ctx: Ctx, dim: str) -> Axis:
        for d, a in ctx:
            if d == dim:
                return a
        raise NotFusable(f"a vector over {dim} outside the state's axes")

    def lift(self, code: str) -> str:
        """A per-row scalar's code where it meets a vector (a column of the rows block)."""
        return f"{code}[:, None]" if self.rows else code

    def side(self, e: Expr, ctx: Ctx, result: Ty) -> str:
        """e's value as an operand of a value of type result (a non-constant scalar lifted against a vector)."""
        code = self.value(e, ctx)
        if self.rows and e.ty.kind == "scalar" and result.kind != "scalar" and not is_const(e):
            return self.lift(code)
        return code

    def emit(self, code: str) -> str:
        name = f"e{len(self.lines)}"
        self.lines.append(f"{name} = {code}")
        return name

    # ---------------------------------------------------------------- values
    def value(self, e: Expr, ctx: Ctx) -> str:
        """The name (or literal) of e's value in ctx."""
        if isinstance(e, Num):
            return repr(float(e.value))
        dims = sorted({d for x in e.walk() for d in x.ty.dims} | set(_let_dims(e, self.lets)))
        key = (structural_key(e), tuple((d, a) for d, a in ctx if d in dims))
        if key not in self.memo:
            self.memo[key] = self._value(e, ctx)
        return self.memo[key]

    def scalar_arg(self, e: Expr, ctx: Ctx, result: Ty | None = None) -> str:
        """e's value as a Triton tensor (constants lifted to a 0-d fp32 tensor for the math functions), as an operand
        of a value of type result."""
        if is_const(e):
            return f"({self.value(e, ctx)} + fzero)"
        return self.side(e, ctx, result) if result is not None else self.value(e, ctx)

    def _value(self, e: Expr, ctx: Ctx) -> str:
        if e.ty.mem:
            raise NotFusable("a per-memory (routed) value")
        if isinstance(e, Var):
            return self.var(e, ctx)
        if isinstance(e, Unary):
            x = self.value(e.x, ctx)
            return self.emit(f"-{x}") if e.op == "neg" else x
        if isinstance(e, Transpose):
            return self.value(e.x, ctx)
        if isinstance(e, Binary):
            if e.op == "pow":
                if isinstance(e.l, Num) and isinstance(e.r, Num):
                    return repr(float(e.l.value) ** float(e.r.value))
                return self.emit(f"_lin_pow({self.scalar_arg(e.l, ctx, e.ty)}, {self.scalar_arg(e.r, ctx, e.ty)})")
            return self.emit(f"{self.side(e.l, ctx, e.ty)} {e.op} {self.side(e.r, ctx, e.ty)}")
        if isinstance(e, MatMul):
            return self.matmul(e, ctx)
        if isinstance(e, Call):
            return self.call(e, ctx)
        raise NotFusable(f"a {type(e).__name__} node")

    def var(self, e: Var, ctx: Ctx) -> str:
        if e.kind == "let":
            return self.value(self.lets[e.name], ctx)
        if e.kind == "option":
            return self.leaves.option(list(self.spec.options).index(e.name))
        if e.kind == "dim":
            if e.name == "H":
                return "(H * 1.0)"
            if e.name not in self.spec.dims:
                raise NotFusable(f"the size {e.name}")
            return self.leaves.dim(self.spec.dims.index(e.name))
        if e.kind == "head":
            return "hf"
        if e.kind == "read":
            code, dim, axis, *base = self.reads[e.name]
            if dim is not None and self.axis(ctx, dim) != axis:
                if not base:
                    raise NotFusable("an output reduces a read over its value axis (the step computes one block of "
                                     "it)")
                # (a read from memory, the rows kernels': loaded again at the entries ctx asks for)
                a = self.axis(ctx, dim)
                return self.emit(f"tl.load({base[0]} + {a.index}, mask=({a.mask}) & rmc, other=0.0).to(tl.float32)")
            return code
        if e.kind in ("input", "param"):
            i = next(j for j, d in enumerate(self.spec.inputs) if d.name == e.name)
            decl = self.spec.inputs[i]
            if decl.ty.kind not in ("scalar", "vec") or decl.ty.mem:
                raise NotFusable(f"an input of type {decl.ty}")
            idx = mask = None
            if decl.ty.kind == "vec":
                a = self.axis(ctx, decl.ty.dims[0])
                idx, mask = a.index, a.mask
            if e.kind == "param":
                return self.emit(self.leaves.param(i, decl, idx, mask))
            return self.emit(self.leaves.input(i, decl, idx, mask, -e.shift))
        raise NotFusable(f"a {e.kind} value")

    def size(self, dim: str) -> str:
        """A dim's size as an integer constexpr of the kernel."""
        return f"DIM_{self.spec.dims.index(dim)}"

    @staticmethod
    def with_axis(ctx: Ctx, dim: str, axis: Axis) -> Ctx:
        d = dict(ctx)
        d[dim] = axis
        return tuple(sorted(d.items()))

    def cat(self, e: Call, ctx: Ctx) -> str:
        """cat(a, b, ...) over its dim's indices in ctx: each entry from the part it falls in, 0.0 past the end."""
        code = "0.0"
        for inside, val in reversed(self.cat_parts(e, ctx)):
            code = f"tl.where({inside}, {val}, {code})"
        return self.emit(code)

    def cat_parts(self, e: Call, ctx: Ctx):
        """(in-part mask, value) of each part of cat(e.args) in ctx: a vector part evaluated at its entries' indices
        (the result's index less the part's offset), a scalar at its one entry."""
        a = self.axis(ctx, e.ty.dims[0])
        parts = []
        for x, offset in zip(e.args, self.cat_offsets(e)):
            if x.ty.kind == "scalar":
                parts.append((f"({a.index} == {offset})", self.side(x, ctx, e.ty)))
                continue
            d = x.ty.dims[0]
            inside = f"({a.mask} & ({a.index} >= {offset}) & ({a.index} < {offset} + {self.size(d)}))"
            parts.append((inside, self.value(x, self.with_axis(ctx, d, Axis(f"({a.index} - {offset})", inside)))))
        return parts

    def cat_offsets(self, e: Call) -> list[str]:
        """Where each part of cat(e.args) starts in the result (a scalar part takes one entry)."""
        offset, out = "0", []
        for x in e.args:
            out.append(offset)
            offset = f"({offset} + {1 if x.ty.kind == 'scalar' else self.size(x.ty.dims[0])})"
        return out

    def cat_part(self, e: Call, ctx: Ctx) -> str:
        """_catpart(c, cat(...), j) (lindsl.passes.vjp): the cotangent c of a cat() at its part j's entries, a vector
        part's as c at the part's indices plus its offset, a scalar part's as c's entry there."""
        c, whole, j = e.args
        d = whole.ty.dims[0]
        offset = self.cat_offsets(whole)[int(j.value)]
        if e.ty.kind == "scalar":
            a = self.full[d]
            hit = self.emit(f"tl.where({a.index} == {offset}, {self.value(c, self.widen(ctx, d))}, 0.0)")
            return self.masked_sum(hit, a.mask)
        a = self.axis(ctx, e.ty.dims[0])
        return self.value(c, self.with_axis(ctx, d, Axis(f"({a.index} + {offset})", a.mask)))

    def masked_sum(self, code: str, mask: str) -> str:
        return self.emit(f"tl.sum(tl.where({mask}, {code}, 0.0), {self.axis_of_dims})")

    def matmul(self, e: MatMul, ctx: Ctx) -> str:
        a, b = e.l.ty, e.r.ty
        if a.kind == "scalar" or b.kind == "scalar":
            return self.emit(f"{self.side(e.l, ctx, e.ty)} * {self.side(e.r, ctx, e.ty)}")
        if a.kind == "row" and b.kind == "vec":
            wide = self.widen(ctx, b.dims[0])
            prod = self.emit(f"{self.value(e.l, wide)} * {self.value(e.r, wide)}")
            return self.masked_sum(prod, self.full[b.dims[0]].mask)
        if a.kind in ("mat", "ident") and b.kind == "vec":
            return self.apply_mat(e.l, lambda c: self.value(e.r, c), ctx, False)
        if a.kind == "row" and b.kind in ("mat", "ident"):
            return self.apply_mat(e.r, lambda c: self.value(e.l, c), ctx, True)
        raise NotFusable(f"a {a} times {b} product")

    def apply_mat(self, m: Expr, x, ctx: Ctx, transpose: bool) -> str:
        """m x (m^T x when transpose) for a per-token matrix built from I, diag, outer products, sums, products and
        scalar multiples (emit.Emitter.apply_mat's factorization); x: ctx -> the vector's code in that context."""
        if isinstance(m, Var) and m.ty.kind == "ident":
            return x(ctx)
        if isinstance(m, Unary) and m.op == "neg":
            return self.emit(f"-{self.apply_mat(m.x, x, ctx, transpose)}")
        if isinstance(m, Transpose):
            return self.apply_mat(m.x, x, ctx, not transpose)
        if isinstance(m, Call) and m.fn == "diag":
            return self.emit(f"{self.value(m.args[0], ctx)} * {x(ctx)}")
        if isinstance(m, (Binary, MatMul)):
            l, r = m.l, m.r
            op = m.op if isinstance(m, Binary) else "@"
            if op in "+-":
                parts = [self.emit(f"{self.side(side, ctx, m.ty)} * {x(ctx)}") if side.ty.kind == "scalar"
                         else self.apply_mat(side, x, ctx, transpose) for side in (l, r)]
                return self.emit(f"{parts[0]} {op} {parts[1]}")
            if op == "/" and r.ty.kind == "scalar":
                return self.emit(f"{self.apply_mat(l, x, ctx, transpose)} / {self.side(r, ctx, m.ty)}")
            if op in "*@" and (l.ty.kind == "scalar" or r.ty.kind == "scalar"):
                c, mm = (l, r) if l.ty.kind == "scalar" else (r, l)
                return self.emit(f"{self.side(c, ctx, m.ty)} * {self.apply_mat(mm, x, ctx, transpose)}")
            if op == "@" and l.ty.kind == "vec" and r.ty.kind == "row":
                u, w = (r, l) if transpose else (l, r)
                dim = w.ty.dims[0]
                wide = self.widen(ctx, dim)
                dot = self.masked_sum(self.emit(f"{self.value(w, wide)} * {x(wide)}"), self.full[dim].mask)
                return self.emit(f"{self.value(u, ctx)} * {self.lift(dot)}")
            if op == "@" and l.ty.kind in ("mat", "ident") and r.ty.kind in ("mat", "ident"):
                first, second = (l, r) if transpose else (r, l)
                return self.apply_mat(second, lambda c: self.apply_mat(first, x, c, transpose), ctx, transpose)
        raise NotFusable(f"the per-token matrix {m.ty}")

    def call(self, e: Call, ctx: Ctx) -> str:
        if e.fn in TRITON_FN:
            return self.emit(f"{TRITON_FN[e.fn]}({self.scalar_arg(e.args[0], ctx)})")
        if e.fn in ("_gt0", "_eq0"):  # the reverse mode's steps (lindsl.passes.vjp)
            op = ">" if e.fn == "_gt0" else "=="
            return self.emit(f"tl.where({self.scalar_arg(e.args[0], ctx)} {op} 0.0, 1.0, 0.0)")
        if e.fn == "_bcast":  # a scalar as a vector over e's dim (lindsl.passes.vjp)
            a = self.axis(ctx, e.ty.dims[0])
            return self.emit(f"{self.side(e.args[0], ctx, e.ty)} + tl.zeros_like({a.index}).to(tl.float32)")
        if e.fn in ("min", "max"):
            fn = "tl.minimum" if e.fn == "min" else "tl.maximum"
            return self.emit(f"{fn}({self.scalar_arg(e.args[0], ctx, e.ty)}, {self.scalar_arg(e.args[1], ctx, e.ty)})")
        if e.fn == "cat":
            return self.cat(e, ctx)
        if e.fn == "_catpart":
            return self.cat_part(e, ctx)
        if e.fn == "kron":
            a = self.axis(ctx, e.ty.dims[0])
            x, y = e.args
            ny = self.size(y.ty.dims[0])
            xv = self.value(x, self.with_axis(ctx, x.ty.dims[0], Axis(f"({a.index} // {ny})", a.mask)))
            yv = self.value(y, self.with_axis(ctx, y.ty.dims[0], Axis(f"({a.index} % {ny})", a.mask)))
            return self.emit(f"{xv} * {yv}")
        if e.fn in ("l2norm", "softmax", "sum"):
            t = e.args[0].ty
            if e.fn == "sum" and e.dim is not None and t.kind != "vec":
                raise NotFusable("a sum over a memory axis")
            dim = t.dims[0]
            wide = self.widen(ctx, dim)
            mask = self.full[dim].mask
            if e.fn == "sum":
                return self.masked_sum(self.value(e.args[0], wide), mask)
            if e.fn == "l2norm":
                xw = self.value(e.args[0], wide)
                sq = self.masked_sum(self.emit(f"{xw} * {xw}"), mask)
                inv = self.emit(f"1.0 / tl.sqrt({sq} + {L2NORM_EPS!r})")
                return self.emit(f"{self.value(e.args[0], ctx)} * {self.lift(inv)}")
            xw = self.value(e.args[0], wide)
            top = self.emit(f"tl.max(tl.where({mask}, {xw}, float('-inf')), {self.axis_of_dims})")
            total = self.masked_sum(self.emit(f"tl.exp({xw} - {self.lift(top)})"), mask)
            return self.emit(f"tl.exp({self.value(e.args[0], ctx)} - {self.lift(top)}) / {self.lift(total)}")
        raise NotFusable(f"{e.fn}()")


def _let_dims(e: Expr, lets: dict) -> list[str]:
    """The dims of the lets e refers to (their subtrees are emitted in e's context too)."""
    out = []
    for x in e.walk():
        if isinstance(x, Var) and x.kind == "let" and x.name in lets:
            body = lets[x.name]
            out += [d for y in body.walk() for d in y.ty.dims] + _let_dims(body, lets)
    return out


def vector_type(ty: Ty) -> str | None:
    """The dim a per-token value runs over (None for a scalar)."""
    return ty.dims[0] if ty.kind in ("vec", "row") else None
