"""Typed constructors for IR expressions: each computes the result type or raises a located LinError.

The builder (frontend) and the rewrite passes both build expressions through these, so every
expression in the IR is well typed by construction.
"""
from __future__ import annotations

from contextvars import ContextVar

from .errors import LinError, Loc
from .ir import ELEMENTWISE, SCALAR, Binary, Call, Expr, MatMul, Num, Transpose, Ty, Unary, render

OUTER_HINT = "write k^T v for a dot product (a scalar) or k v^T for an outer product (a matrix)"
IDENT_HINT = "I is the identity matrix: write e.g. (I - beta * k k^T) S; scale the state itself with c * S"
SIGNATURES = {**{f: f"{f}(x)" for f in ELEMENTWISE}, "l2norm": "l2norm(x)", "softmax": "softmax(x)",
              "sum": "sum(x) or sum(x, M)", "diag": "diag(x)", "topk": "topk(r, 2)", "min": "min(x, y)",
              "max": "max(x, y)",
              "cat": "cat(1, x, kron(x, x)) with dim F = 1 + K + K^2", "kron": "kron(x, y) with dim F = K^2"}


def _mem(a: Ty, b: Ty, loc: Loc | None) -> str | None:
    if a.mem and b.mem and a.mem != b.mem:
        raise LinError(f"memory axes differ: {a} and {b}", loc,
                       "values over different memory axes cannot be combined; reduce one with sum(x, M)")
    return a.mem or b.mem


MEMORY_DIMS: ContextVar[frozenset] = ContextVar("MEMORY_DIMS", default=frozenset())


def as_mem_scalar(x: Expr, other: Ty) -> Expr:
    """A vector over a memory axis M, combined with a per-memory value or with a vector over another dim,
    acts as one scalar per memory (the same memory layout). MEMORY_DIMS holds the spec's memory axes."""
    a = x.ty
    if a.kind != "vec" or a.mem is not None:
        return x
    d = a.dims[0]
    if (other.mem and d == other.mem) or (d in MEMORY_DIMS.get() and other.mem is None and (
            other.kind == "ident" or (other.kind in ("vec", "row", "mat") and other.dims[0] != d))):
        return Unary("asmem", x, Ty("scalar", (), d), x.loc)
    return x


def binary(op: str, l: Expr, r: Expr, loc: Loc | None = None) -> Expr:
    """Elementwise + - * / (with scalar broadcast) and pow."""
    l, r = as_mem_scalar(l, r.ty), as_mem_scalar(r, l.ty)
    a, b = l.ty, r.ty
    mem = _mem(a, b, loc)
    if op == "pow":
        if b.kind != "scalar" or a.kind not in ("scalar", "vec"):
            raise LinError(f"'^' takes a scalar or vector base and a scalar exponent, got {l.ty} ^ {r.ty}", loc,
                           "use ^T for a transpose")
        return Binary(op, l, r, a.with_mem(mem), loc)
    if a.kind == "ident" or b.kind == "ident":
        other = b if a.kind == "ident" else a
        if op == "*" and other.kind == "scalar":
            return Binary(op, l, r, Ty("ident", (), mem), loc)
        if op not in "+-" or other.kind not in ("mat", "ident"):
            raise LinError(f"the identity I can only be added to or subtracted from a square matrix, "
                           f"got I {op} {other}", loc, IDENT_HINT)
        if other.kind == "mat" and other.dims[0] != other.dims[1]:
            raise LinError(f"I {op} {other}: the matrix is not square", loc, IDENT_HINT)
        ty = other if other.kind == "mat" else Ty("ident")
        return Binary(op, l, r, ty.with_mem(mem), loc)
    if op in "+-":
        if a.kind == b.kind and a.dims == b.dims:
            ty = a
        elif a.kind == "scalar" and b.kind == "vec":
            ty = b
        elif b.kind == "scalar" and a.kind == "vec":
            ty = a
        else:
            raise LinError(f"shape mismatch: cannot {'add' if op == '+' else 'subtract'} {r.ty} "
                           f"{'to' if op == '+' else 'from'} {l.ty}", loc,
                           "both sides of + and - need the same shape (a scalar may be added to a vector)")
        return Binary(op, l, r, ty.with_mem(mem), loc)
    if op == "*":
        if a.kind == "scalar":
            ty = b
        elif b.kind == "scalar":
            ty = a
        elif a.kind == b.kind and a.kind in ("vec", "row") and a.dims == b.dims:
            ty = a
        else:
            raise LinError(f"shape mismatch: elementwise {l.ty} * {r.ty}", loc,
                           "'*' multiplies elementwise (vectors of one size, or by a scalar); use diag(x) S "
                           "for a diagonal gate and juxtaposition or @ for a matrix product")
        return Binary(op, l, r, ty.with_mem(mem), loc)
    if op == "/":
        if b.kind == "scalar" or (a.kind == b.kind == "vec" and a.dims == b.dims):
            return Binary(op, l, r, a.with_mem(mem), loc)
        raise LinError(f"shape mismatch: {l.ty} / {r.ty}", loc, "divide by a scalar or by a vector of the same size")
    raise LinError(f"unknown operator {op}", loc, "operators: + - * / ^ and juxtaposition or @ (matrix product)")


def neg(x: Expr, loc: Loc | None = None) -> Expr:
    return Unary("neg", x, x.ty, loc)


def transpose(x: Expr, loc: Loc | None = None) -> Expr:
    t = x.ty
    if isinstance(x, Transpose):
        return x.x
    if t.kind == "vec":
        return Transpose(x, Ty("row", t.dims, t.mem), loc)
    if t.kind == "row":
        return Transpose(x, Ty("vec", t.dims, t.mem), loc)
    if t.kind == "mat":
        return Transpose(x, Ty("mat", (t.dims[1], t.dims[0]), t.mem), loc)
    if t.kind in ("scalar", "ident"):
        return x
    raise LinError(f"cannot transpose {t}", loc, "^T applies to vectors and matrices")


def matmul(l: Expr, r: Expr, loc: Loc | None = None) -> Expr:
    """Matrix product by juxtaposition or @; a scalar on either side scales."""
    l, r = as_mem_scalar(l, r.ty), as_mem_scalar(r, l.ty)
    a, b = l.ty, r.ty
    mem = _mem(a, b, loc)
    if a.kind == "scalar" or b.kind == "scalar":
        return MatMul(l, r, (b if a.kind == "scalar" else a).with_mem(mem), loc)
    if a.kind == "ident":
        return MatMul(l, r, b.with_mem(mem), loc)
    if b.kind == "ident":
        return MatMul(l, r, a.with_mem(mem), loc)
    ka, kb = a.kind, b.kind
    if ka == "vec" and kb == "row":
        ty = Ty("mat", (a.dims[0], b.dims[0]))
    elif ka == "row" and kb == "vec":
        _same(a.dims[0], b.dims[0], l, r, loc)
        ty = SCALAR
    elif ka == "row" and kb == "mat":
        _same(a.dims[0], b.dims[0], l, r, loc)
        ty = Ty("row", (b.dims[1],))
    elif ka == "mat" and kb == "vec":
        _same(a.dims[1], b.dims[0], l, r, loc)
        ty = Ty("vec", (a.dims[0],))
    elif ka == "mat" and kb == "mat":
        _same(a.dims[1], b.dims[0], l, r, loc)
        ty = Ty("mat", (a.dims[0], b.dims[1]))
    elif ka == kb == "vec":
        raise LinError(f"shape mismatch: column vector {render(l)} {a} times column vector {render(r)} {b}", loc,
                       OUTER_HINT)
    elif ka == kb == "row":
        raise LinError(f"shape mismatch: row vector times row vector ({render(l)}, {render(r)})", loc, OUTER_HINT)
    else:
        raise LinError(f"shape mismatch: cannot multiply {a} by {b}", loc,
                       "juxtaposition (or @) is a matrix product: column row = matrix, row column = scalar, "
                       "matrix column = column, row matrix = row; use '*' for elementwise products")
    return MatMul(l, r, ty.with_mem(mem), loc)


def _same(d1: str, d2: str, l: Expr, r: Expr, loc: Loc | None) -> None:
    if d1 != d2:
        raise LinError(f"shape mismatch: inner dimensions {d1} and {d2} differ in {render(l)} times {render(r)}",
                       loc, "transpose one side (x^T) so that the inner dimensions agree")


def call(fn: str, args: list[Expr], loc: Loc | None = None, dim=None) -> Expr:
    """A builtin function call; see docs/language.md for the list. dim: sum()'s memory axis, or cat()'s and kron()'s
    result dim, given or as a function called once the arguments are checked (the size comes from their dims)."""
    def want(n: int) -> None:
        if len(args) != n:
            raise LinError(f"{fn}() takes {n} argument{'s' if n > 1 else ''}, got {len(args)}", loc,
                           f"e.g. {SIGNATURES.get(fn, fn + '(x)')}")

    if fn in ELEMENTWISE:
        want(1)
        t = args[0].ty
        if t.kind not in ("scalar", "vec"):
            hint = ("a state update must be linear in the state: gate it with exp(g) * S or diag(exp(g)) S, "
                    "do not apply functions to it" if t.kind == "mat" else
                    "apply it to the column vector and transpose the result: " + fn + "(x)^T" if t.kind == "row"
                    else None)
            raise LinError(f"{fn}() applies elementwise to a scalar or vector, got {t}", loc, hint)
        return Call(fn, tuple(args), t, loc)
    if fn in ("min", "max"):
        want(2)
        t = binary("+", args[0], args[1], loc).ty
        return Call(fn, tuple(args), t, loc)
    if fn in ("l2norm", "softmax"):
        want(1)
        t = args[0].ty
        if t.kind != "vec":
            raise LinError(f"{fn}() takes a vector, got {t}", loc,
                           f"{fn}() works over a vector's entries; for a scalar it is not needed")
        return Call(fn, tuple(args), t, loc)
    if fn == "sum":
        if len(args) not in (1, 2):
            raise LinError(f"sum() takes a vector, or a per-memory value and its memory axis, got {len(args)} "
                           "arguments", loc, "sum(x) adds a vector's entries; sum(x, M) reduces the memory axis M")
        t = args[0].ty
        if dim is not None:
            if t.mem == dim:
                return Call(fn, (args[0],), t.with_mem(None), loc, dim)
            if t.kind == "vec" and t.dims == (dim,):
                return Call(fn, (args[0],), SCALAR.with_mem(t.mem), loc, dim)
            raise LinError(f"sum(x, {dim}): x {t} has no axis {dim}", loc,
                           f"sum(x, {dim}) reduces a value over the memory axis {dim} (or a vector of size {dim})")
        if t.kind != "vec":
            raise LinError(f"sum() reduces a vector, got {t}", loc,
                           "to reduce over memories write sum(x, M) with the memory axis")
        return Call(fn, (args[0],), SCALAR.with_mem(t.mem), loc)
    if fn == "diag":
        want(1)
        t = args[0].ty
        if t.kind != "vec":
            raise LinError(f"diag() takes a vector, got {t}", loc, "a scalar gate needs no diag(): write exp(g) * S")
        return Call(fn, tuple(args), Ty("mat", (t.dims[0], t.dims[0]), t.mem), loc)
    if fn in ("cat", "kron"):
        feature_parts(fn, args, loc)
        dim = dim() if callable(dim) else dim
        if dim is None:
            raise LinError(f"{fn}() needs the dimension of its result", loc, f"e.g. {SIGNATURES[fn]}")
        return Call(fn, tuple(args), Ty("vec", (dim,)), loc, dim)
    if fn == "topk":
        want(2)
        t = args[0].ty
        n = args[1]
        if t.kind != "vec" or not isinstance(n, Num) or not float(n.value).is_integer() or n.value < 1:
            raise LinError("topk(x, n) takes a vector of router scores and a positive integer literal n", loc,
                           "e.g. let sel = topk(r, 2) with router scores 'in r[M]'")
        return Call(fn, tuple(args), t, loc)
    raise LinError(f"unknown function {fn}()", loc, "builtin functions: " + ", ".join(sorted(SIGNATURES)))


def feature_parts(fn: str, args, loc) -> None:
    """Check the parts of cat(a, b, ...) (scalars and vectors) or kron(x, y) (two vectors), none per memory."""
    if fn == "kron" and len(args) != 2:
        raise LinError(f"kron() takes 2 arguments, got {len(args)}", loc, f"e.g. {SIGNATURES[fn]}")
    if not args:
        raise LinError("cat() takes one or more scalars and vectors", loc, f"e.g. {SIGNATURES[fn]}")
    kinds, what = (("vec",), "vectors") if fn == "kron" else (("scalar", "vec"), "scalars and vectors")
    for a in args:
        if a.ty.kind not in kinds or a.ty.mem:
            raise LinError(f"{fn}() takes {what} (not per memory), got {a.ty}", a.loc or loc, f"e.g. {SIGNATURES[fn]}")


def num(v: float) -> Num:
    return Num(float(v))
