"""Reverse-mode differentiation of per-token expressions: the vector-Jacobian products of the prologue's canonical
tensors and of the epilogue's outputs, as IR expressions.

Given per-token values e_j (scalars or vectors over one dim, as the rows kernels write them) and their cotangents
c_j (IR leaves of the same type), `vector_jacobian` returns, for every differentiable leaf (an input at the current
token, a param, a read), the expression sum_j (d e_j / d leaf)^T c_j. The result is ordinary IR: the rows kernels
emit it with the same Triton emitter as the forward values (codegen.rows), recomputing what they need.

Rules (y = the node's value, c = its cotangent; a scalar cotangent of a vector is broadcast along the vector):
  x + y, x - y, x * y, x / y, x ^ p   the elementwise rules; a scalar operand of a vector result takes the sum
  exp, log, sigmoid, logsigmoid, silu, softplus, tanh, sqrt, relu, elu, abs, min, max   their derivatives (relu,
                                      abs, min and max as PyTorch takes them at 0 and at ties)
  row . vec (a dot product)           c y and c x
  l2norm(x) = x r, r = (x.x + eps)^-1/2    r (c - y (y . c))
  softmax(x)                          y (c - y . c)
  sum(x) over a vector's dim          c broadcast
  cat(x_1, ..., x_n)                  each part's entries of c (_catpart(c, the cat, j): the emitter reads c there)
Not differentiated (NotDifferentiable, with the construct): token shifts, topk, diag, matrices, memories.
"""
from __future__ import annotations

from lindsl.ir import SCALAR, Binary, Call, Expr, MatMul, Num, Transpose, Ty, Unary, Var


class NotDifferentiable(Exception):
    """A construct the per-token reverse mode does not take (the reason is the message)."""


def _dim(ty: Ty) -> str | None:
    return ty.dims[0] if ty.kind in ("vec", "row") else None


def _vec(dim: str) -> Ty:
    return Ty("vec", (dim,))


def _ty(a: Expr, b: Expr) -> Ty:
    d = _dim(a.ty) or _dim(b.ty)
    return _vec(d) if d else SCALAR


def add(a: Expr, b: Expr) -> Expr:
    return Binary("+", a, b, ty=_ty(a, b))


def sub(a: Expr, b: Expr) -> Expr:
    return Binary("-", a, b, ty=_ty(a, b))


def mul(a: Expr, b: Expr) -> Expr:
    return Binary("*", a, b, ty=_ty(a, b))


def div(a: Expr, b: Expr) -> Expr:
    return Binary("/", a, b, ty=_ty(a, b))


def neg(a: Expr) -> Expr:
    return Unary("neg", a, ty=a.ty)


def call(fn: str, *args: Expr) -> Expr:
    d = next((_dim(a.ty) for a in args if _dim(a.ty)), None)
    return Call(fn, tuple(args), ty=_vec(d) if d else SCALAR)


def dot(a: Expr, b: Expr) -> Expr:
    """a . b of two vectors over one dim (a scalar)."""
    d = _dim(a.ty)
    return MatMul(Transpose(a, ty=Ty("row", (d,))), b, ty=SCALAR)


def broadcast(c: Expr, dim: str) -> Expr:
    """A scalar c as a vector over dim (the internal `_bcast`)."""
    return Call("_bcast", (c,), ty=_vec(dim))


def as_vector(c: Expr, dim: str) -> Expr:
    return broadcast(c, dim) if _dim(c.ty) is None else c


def reduce_to(ty: Ty, c: Expr) -> Expr:
    """c as the cotangent of an operand of type ty: summed over the vector's dim where the operand is a scalar."""
    if _dim(ty) is None and _dim(c.ty) is not None:
        return Call("sum", (c,), ty=SCALAR)
    return c


ONE, HALF = Num(1.0), Num(0.5)


def _product(l: Expr, r: Expr, c: Expr) -> list[tuple[Expr, Expr]]:
    """The cotangents of the factors of an elementwise (or scalar) product l r whose cotangent is c."""
    return [(l, reduce_to(l.ty, mul(c, r))), (r, reduce_to(r.ty, mul(c, l)))]


def _local(e: Expr, c: Expr) -> list[tuple[Expr, Expr]]:
    """[(child, its cotangent)] of node e whose cotangent is c."""
    if isinstance(e, Unary):
        return [(e.x, neg(c) if e.op == "neg" else c)]
    if isinstance(e, Transpose):
        return [(e.x, c)]
    if isinstance(e, Binary):
        l, r = e.l, e.r
        if e.op == "+":
            return [(l, reduce_to(l.ty, c)), (r, reduce_to(r.ty, c))]
        if e.op == "-":
            return [(l, reduce_to(l.ty, c)), (r, reduce_to(r.ty, neg(c)))]
        if e.op == "*":
            return _product(l, r, c)
        if e.op == "/":
            return [(l, reduce_to(l.ty, div(c, r))), (r, reduce_to(r.ty, neg(div(mul(c, e), r))))]
        if e.op == "pow":
            lower = Num(float(r.value) - 1.0) if isinstance(r, Num) else sub(r, ONE)
            out = [(l, reduce_to(l.ty, mul(c, mul(r, Binary("pow", l, lower, ty=e.ty)))))]
            if not isinstance(r, Num):
                out.append((r, reduce_to(r.ty, mul(c, mul(e, call("log", l))))))
            return out
    if isinstance(e, MatMul):
        a, b = e.l.ty, e.r.ty
        if a.kind == "scalar" or b.kind == "scalar":
            return _product(e.l, e.r, c)
        if a.kind == "row" and b.kind == "vec":
            return [(e.l, mul(c, e.r)), (e.r, mul(c, e.l))]
        raise NotDifferentiable(f"a {a} times {b} product")
    if isinstance(e, Call):
        x = e.args[0]
        fn = e.fn
        if fn == "exp":
            return [(x, mul(c, e))]
        if fn == "log":
            return [(x, div(c, x))]
        if fn == "sigmoid":
            return [(x, mul(c, mul(e, sub(ONE, e))))]
        if fn == "logsigmoid":
            return [(x, mul(c, call("sigmoid", neg(x))))]
        if fn == "silu":
            s = call("sigmoid", x)
            return [(x, mul(c, mul(s, add(ONE, mul(x, sub(ONE, s))))))]
        if fn == "softplus":
            return [(x, mul(c, call("sigmoid", x)))]
        if fn == "tanh":
            return [(x, mul(c, sub(ONE, mul(e, e))))]
        if fn == "sqrt":
            return [(x, div(mul(c, HALF), e))]
        if fn == "relu":
            return [(x, mul(c, call("_gt0", x)))]
        if fn == "abs":
            return [(x, mul(c, sub(call("_gt0", x), call("_gt0", neg(x)))))]
        if fn == "elu":
            pos = call("_gt0", x)
            return [(x, mul(c, add(pos, mul(sub(ONE, pos), call("exp", call("min", x, Num(0.0)))))))]
        if fn in ("min", "max"):
            a, b = e.args
            first = sub(b, a) if fn == "min" else sub(a, b)  # > 0 where a is taken
            wa = add(call("_gt0", first), mul(HALF, call("_eq0", first)))
            return [(a, reduce_to(a.ty, mul(c, wa))), (b, reduce_to(b.ty, mul(c, sub(ONE, wa))))]
        if fn in ("l2norm", "softmax", "sum"):
            if x.ty.kind not in ("vec", "row") or x.ty.mem or e.dim is not None:
                raise NotDifferentiable(f"{fn}() of a {x.ty}")
            dim = _dim(x.ty)
            if fn == "sum":
                return [(x, broadcast(c, dim))]
            cv = as_vector(c, dim)
            inner = sub(cv, mul(e, dot(e, cv)) if fn == "l2norm" else dot(e, cv))
            if fn == "softmax":
                return [(x, mul(e, inner))]
            r = div(ONE, call("sqrt", add(dot(x, x), Num(1e-6))))
            return [(x, mul(r, inner))]
        if fn == "cat":
            cv = as_vector(c, e.ty.dims[0])
            return [(a, Call("_catpart", (cv, e, Num(float(j))), ty=a.ty)) for j, a in enumerate(e.args)]
        raise NotDifferentiable(f"{fn}()")
    raise NotDifferentiable(f"a {type(e).__name__} node")


def vector_jacobian(values: list[tuple[Expr, Expr]], lets: dict[str, Expr]) -> dict[tuple[str, str], Expr]:
    """{(kind, name): the leaf's cotangent} for values [(e_j, c_j)]: kind input, param or read; lets are followed
    into their definitions. A leaf's cotangent has the leaf's type (a scalar cotangent of a vector leaf broadcast)."""
    parts: dict[tuple[str, str], list[Expr]] = {}
    types: dict[tuple[str, str], Ty] = {}
    stack = list(values)
    while stack:
        e, c = stack.pop()
        if e.ty.mem:
            raise NotDifferentiable("a per-memory (routed) value")
        if isinstance(e, Num):
            continue
        if isinstance(e, Var):
            if e.kind == "let":
                stack.append((lets[e.name], c))
            elif e.kind in ("input", "param", "read"):
                if e.shift:
                    raise NotDifferentiable("a token shift")
                key = (e.kind, e.name)
                parts.setdefault(key, []).append(c)
                types[key] = e.ty
            elif e.kind == "state":
                raise NotDifferentiable("a state")
            continue
        stack.extend(_local(e, c))
    out = {}
    for key, cs in sorted(parts.items()):
        dim = _dim(types[key])
        if dim is None:
            cs = [reduce_to(SCALAR, x) for x in cs]
        total = cs[0]
        for x in cs[1:]:
            total = add(total, x)
        out[key] = as_vector(total, dim) if dim else total
    return out

