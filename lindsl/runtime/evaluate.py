"""A direct interpreter of IR expressions on torch tensors (used by the naive reference backend).

Layout of a value of type ty over a batch prefix P (e.g. [B, H] for one step, [B, T, H] for all
tokens): P, then the memory axis if ty.mem, then the core dims (none, [d] or [r, c]).
"""
from __future__ import annotations

import torch

from ..ir import Binary, Call, Expr, MatMul, Num, Transpose, Ty, Unary, Var
from . import builtins as B


def ncore(ty: Ty) -> int:
    return {"scalar": 0, "vec": 1, "row": 1, "mat": 2, "ident": 0}[ty.kind]


def align(x, src: Ty, dst: Ty):
    """Broadcast a value of type src into the layout of type dst (scalar -> vec/mat, add a memory axis)."""
    if not torch.is_tensor(x):
        return x
    core = ncore(src)
    if src.kind == "scalar" and ncore(dst) > 0:
        x = x.reshape(x.shape + (1,) * ncore(dst))
        core = ncore(dst)
    if dst.mem and not src.mem:
        x = x.unsqueeze(x.dim() - core)
    return x


class Evaluator:
    """Evaluates expressions given an environment of tensors already in layout."""

    def __init__(self, env: dict, dims: dict[str, int], ident_size: dict[str, int] | None = None):
        self.env = env
        self.dims = dims

    def __call__(self, e: Expr):
        return self.ev(e)

    def ev(self, e: Expr):
        if isinstance(e, Num):
            return e.value
        if isinstance(e, Var):
            if e.kind == "ident":
                return _Ident()
            if e.kind == "dim":
                return float(self.dims[e.name])
            key = (e.name, e.shift)
            return self.env[key] if key in self.env else self.env[e.name]
        if isinstance(e, Unary):
            x = self.ev(e.x)
            return -x if e.op == "neg" else x
        if isinstance(e, Binary):
            return self.binary(e)
        if isinstance(e, Transpose):
            x = self.ev(e.x)
            return x.transpose(-1, -2) if e.x.ty.kind == "mat" else x
        if isinstance(e, MatMul):
            return self.matmul(e)
        if isinstance(e, Call):
            return self.call(e)
        raise TypeError(type(e))

    def binary(self, e: Binary):
        l, r = self.ev(e.l), self.ev(e.r)
        if e.ty.kind == "ident":
            sl = l.scale_as(e.ty) if isinstance(l, _Ident) else align(l, e.l.ty, e.ty)
            sr = r.scale_as(e.ty) if isinstance(r, _Ident) else align(r, e.r.ty, e.ty)
            if e.op == "*":
                return _Ident(mul_optional(sl, sr), e.ty)
            one = lambda z: 1.0 if z is None else z  # noqa: E731
            return _Ident(one(sl) + one(sr) if e.op == "+" else one(sl) - one(sr), e.ty)
        if isinstance(l, _Ident) or isinstance(r, _Ident):
            n = e.ty.dims[0] if e.ty.kind == "mat" else None
            other = r if isinstance(l, _Ident) else l
            if n is None:
                raise ValueError("the identity I must be combined with a matrix")
            eye = torch.eye(self.dims[n], dtype=other.dtype, device=other.device)
            l = l.materialize(eye, e.ty) if isinstance(l, _Ident) else align(l, e.l.ty, e.ty)
            r = r.materialize(eye, e.ty) if isinstance(r, _Ident) else align(r, e.r.ty, e.ty)
        else:
            l, r = align(l, e.l.ty, e.ty), align(r, e.r.ty, e.ty)
        if e.op == "+":
            return l + r
        if e.op == "-":
            return l - r
        if e.op == "*":
            return l * r
        if e.op == "/":
            return l / r
        if e.op == "pow":
            if not torch.is_tensor(l) and not torch.is_tensor(r):
                return float(l) ** float(r)
            return torch.pow(l, r) if torch.is_tensor(l) else torch.pow(torch.as_tensor(l, dtype=r.dtype), r)
        raise ValueError(e.op)

    def matmul(self, e: MatMul):
        a, b = e.l.ty, e.r.ty
        l, r = self.ev(e.l), self.ev(e.r)
        if e.ty.kind == "ident":
            sl = l.scale_as(e.ty) if isinstance(l, _Ident) else align(l, a, e.ty)
            sr = r.scale_as(e.ty) if isinstance(r, _Ident) else align(r, b, e.ty)
            return _Ident(mul_optional(sl, sr), e.ty)
        if isinstance(l, _Ident):
            return r if l.scale is None else align(l.scale_as(e.ty), Ty("scalar", (), e.ty.mem), e.ty) * align(r, b, e.ty)
        if isinstance(r, _Ident):
            return l if r.scale is None else align(l, a, e.ty) * align(r.scale_as(e.ty), Ty("scalar", (), e.ty.mem), e.ty)
        if a.kind == "scalar" or b.kind == "scalar":
            return align(l, a, e.ty) * align(r, b, e.ty)
        mem = e.ty.mem
        if mem:
            l, r = align(l, a, a.with_mem(mem)), align(r, b, b.with_mem(mem))
        if a.kind == "vec" and b.kind == "row":
            return l.unsqueeze(-1) * r.unsqueeze(-2)
        if a.kind == "row" and b.kind == "vec":
            return (l * r).sum(-1)
        if a.kind == "row" and b.kind == "mat":
            return (l.unsqueeze(-1) * r).sum(-2)
        if a.kind == "mat" and b.kind == "vec":
            return (l * r.unsqueeze(-2)).sum(-1)
        return l @ r

    def call(self, e: Call):
        fn = e.fn
        args = [self.ev(a) for a in e.args]
        if fn in B.ELEMENTWISE:
            x = args[0]
            return B.ELEMENTWISE[fn](x if torch.is_tensor(x) else torch.tensor(x, dtype=torch.float64))
        if fn in ("min", "max"):
            l, r = align(args[0], e.args[0].ty, e.ty), align(args[1], e.args[1].ty, e.ty)
            f = torch.minimum if fn == "min" else torch.maximum
            return f(torch.as_tensor(l), torch.as_tensor(r))
        if fn == "l2norm":
            return B.l2norm(args[0])
        if fn == "softmax":
            return torch.softmax(args[0], -1)
        if fn == "sum":
            x, t = args[0], e.args[0].ty
            if e.dim is not None and t.mem == e.dim:
                return x.sum(x.dim() - ncore(t) - 1)
            return x.sum(-1)
        if fn == "diag":
            return torch.diag_embed(args[0])
        if fn == "topk":
            return B.topk_mask(args[0], e.args[1].value)
        if fn == "kron":
            return B.kron_vec(args[0], args[1])
        if fn == "cat":
            return B.cat_vec(*[x.unsqueeze(-1) if torch.is_tensor(x) and a.ty.kind == "scalar" else x
                               for a, x in zip(e.args, args)])
        raise ValueError(fn)


class _Ident:
    """The identity matrix I times an optional scalar (of type ty: per memory or not), materialised only
    where it meets a matrix."""

    def __init__(self, scale=None, ty: Ty | None = None):
        self.scale = scale
        self.ty = ty or Ty("scalar")

    def scale_as(self, ty: Ty):
        """The scale in the layout of a scalar of type ty's memory axis (None for a plain I)."""
        if self.scale is None or not torch.is_tensor(self.scale):
            return self.scale
        return align(self.scale, Ty("scalar", (), self.ty.mem), Ty("scalar", (), ty.mem))

    def materialize(self, eye, ty: Ty):
        s = self.scale_as(ty)
        if s is None:
            return eye
        return eye * (align(s, Ty("scalar", (), ty.mem), ty) if torch.is_tensor(s) else s)


def mul_optional(a, b):
    """a * b where None stands for 1 (an absent scale, gate or diagonal map)."""
    if a is None:
        return b
    if b is None:
        return a
    return a * b
