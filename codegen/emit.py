"""Emit torch source for per-token IR expressions (prologue and epilogue code).

Values live in the layout [B, T, H] + ([M] if per-memory) + core dims; broadcasting between types is
resolved here, at generation time, into explicit indexing. Spec names are re-validated before they
become Python identifiers (prefixed, so they never collide with Python names).
"""
from __future__ import annotations

import re

from lindsl.errors import LinError
from lindsl.ir import Binary, Call, Expr, MatMul, Num, Transpose, Ty, Unary, Var

IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

TORCH_FN = {
    "exp": "torch.exp", "log": "torch.log", "sigmoid": "torch.sigmoid", "logsigmoid": "logsigmoid",
    "silu": "silu", "relu": "torch.relu", "elu": "elu", "softplus": "softplus", "tanh": "torch.tanh",
    "sqrt": "torch.sqrt", "abs": "torch.abs",
}


def safe(name: str) -> str:
    if not IDENT.match(name) or name.startswith("__"):
        raise LinError(f"invalid name {name!r} cannot be used in generated code")
    return name


def var_name(name: str, shift: int = 0) -> str:
    return f"v_{safe(name)}" + (f"_m{-shift}" if shift else "")


def ncore(ty: Ty) -> int:
    return {"scalar": 0, "vec": 1, "row": 1, "mat": 2, "ident": 0}[ty.kind]


def is_const(e: Expr) -> bool:
    """True when an expression is a Python number at run time (numbers, dims, options)."""
    return not any(isinstance(v, Var) and v.kind not in ("dim", "option") for v in e.walk())


def align(code: str, src: Ty, dst: Ty, const: bool = False) -> str:
    """Source that broadcasts a value of type src into the layout of type dst."""
    if const:
        return code
    core = ncore(src)
    if src.kind == "scalar" and ncore(dst) > 0:
        code = f"({code})" + "[..., None]" * ncore(dst)
        core = ncore(dst)
    if dst.mem and not src.mem:
        code = f"({code}).unsqueeze({-core - 1})"
    return code


class Emitter:
    """Turns a typed expression into one torch expression string."""

    def __init__(self, names: dict[tuple[str, int], str] | None = None):
        self.names = names or {}

    def __call__(self, e: Expr) -> str:
        return self.go(e)

    def go(self, e: Expr) -> str:
        if isinstance(e, Num):
            return repr(float(e.value))
        if isinstance(e, Var):
            if e.kind == "dim":
                return f"sizes[{safe(e.name)!r}]"
            if e.kind == "option":
                return f"opts[{safe(e.name)!r}]"
            if e.kind == "head":
                return "head"
            if e.kind == "read":
                return safe(e.name)
            if e.kind == "ident":
                raise LinError("the identity I has no per-token value", e.loc)
            return self.names.get((e.name, e.shift), var_name(e.name, e.shift))
        if isinstance(e, Unary):
            x = self.go(e.x)
            return f"(-{x})" if e.op == "neg" else x
        if isinstance(e, Transpose):
            return self.go(e.x)
        if isinstance(e, Binary):
            l = align(self.go(e.l), e.l.ty, e.ty, is_const(e.l)) if e.op != "pow" else self.go(e.l)
            r = align(self.go(e.r), e.r.ty, e.ty, is_const(e.r)) if e.op != "pow" else self.go(e.r)
            if e.op == "pow":
                if e.l.ty.mem != e.ty.mem:
                    l = align(l, e.l.ty, e.ty)
                return f"_pow({l}, {r})"
            return f"({l} {e.op} {r})"
        if isinstance(e, MatMul):
            a, b = e.l.ty, e.r.ty
            if a.kind == "scalar" or b.kind == "scalar":
                return f"({align(self.go(e.l), a, e.ty, is_const(e.l))} * {align(self.go(e.r), b, e.ty, is_const(e.r))})"
            if a.kind == "row" and b.kind == "vec":
                mem = a.with_mem(e.ty.mem)
                return f"({align(self.go(e.l), a, mem)} * {align(self.go(e.r), b, b.with_mem(e.ty.mem))}).sum(-1)"
            if a.kind in ("mat", "ident") and b.kind == "vec":
                return self.apply_mat(e.l, self.vec(e.r, e.ty.mem), e.ty.mem, False)
            if a.kind == "row" and b.kind in ("mat", "ident"):
                return self.apply_mat(e.r, self.vec(e.l, e.ty.mem), e.ty.mem, True)
            raise LinError(f"a {a} times {b} product has no per-token value", e.loc)
        if isinstance(e, Call):
            return self.call(e)
        raise TypeError(type(e))

    def vec(self, e: Expr, mem: str | None) -> str:
        """A vector (or row, or scalar) broadcast to the layout of a vector with memory axis `mem`."""
        return align(self.go(e), e.ty, Ty("vec", ("_",), mem), is_const(e))

    def apply_mat(self, m: Expr, x: str, mem: str | None, transpose: bool) -> str:
        """Source for m x (m^T x when transpose) with x vector source in the layout of a vector with `mem`.

        A per-token matrix (I, diag(d), outer products b a^T, scalar multiples, sums and products of these,
        e.g. (I - beta k k^T) q) is never materialised: it is applied to the vector factor by factor.
        """
        if isinstance(m, Var) and m.ty.kind == "ident":
            return x
        if isinstance(m, Unary) and m.op == "neg":
            return f"(-{self.apply_mat(m.x, x, mem, transpose)})"
        if isinstance(m, Transpose):
            return self.apply_mat(m.x, x, mem, not transpose)
        if isinstance(m, Call) and m.fn == "diag":
            return f"({self.vec(m.args[0], mem)} * {x})"
        if isinstance(m, (Binary, MatMul)):
            l, r = m.l, m.r
            op = m.op if isinstance(m, Binary) else "@"
            if op in "+-":
                parts = [f"({self.vec(side, mem)} * {x})" if side.ty.kind == "scalar"  # c + I: c I + I
                         else self.apply_mat(side, x, mem, transpose) for side in (l, r)]
                return f"({parts[0]} {op} {parts[1]})"
            if op == "/" and r.ty.kind == "scalar":
                return f"({self.apply_mat(l, x, mem, transpose)} / {self.vec(r, mem)})"
            if op in "*@" and (l.ty.kind == "scalar" or r.ty.kind == "scalar"):
                c, mm = (l, r) if l.ty.kind == "scalar" else (r, l)
                return f"({self.vec(c, mem)} * {self.apply_mat(mm, x, mem, transpose)})"
            if op == "@" and l.ty.kind == "vec" and r.ty.kind == "row":
                # (b a^T) x = b (a . x);  (b a^T)^T x = a (b . x)
                u, w = (r, l) if transpose else (l, r)
                return f"({self.vec(u, mem)} * ({self.vec(w, mem)} * {x}).sum(-1, keepdim=True))"
            if op == "@" and l.ty.kind in ("mat", "ident") and r.ty.kind in ("mat", "ident"):
                first, second = (l, r) if transpose else (r, l)
                return self.apply_mat(second, self.apply_mat(first, x, mem, transpose), mem, transpose)
        raise LinError(f"the matrix {m.ty} in this product has no per-token value", m.loc,
                       "per-token matrices are built from I, diag(x), outer products b a^T, sums and products")

    def call(self, e: Call) -> str:
        args = [self.go(a) for a in e.args]
        if e.fn in TORCH_FN:
            return f"{TORCH_FN[e.fn]}(_t({args[0]}))"
        if e.fn in ("min", "max"):
            l = align(args[0], e.args[0].ty, e.ty, is_const(e.args[0]))
            r = align(args[1], e.args[1].ty, e.ty, is_const(e.args[1]))
            return f"torch.{'minimum' if e.fn == 'min' else 'maximum'}(_t({l}), _t({r}))"
        if e.fn == "l2norm":
            return f"l2norm({args[0]})"
        if e.fn == "softmax":
            return f"torch.softmax({args[0]}, -1)"
        if e.fn == "sum":
            t = e.args[0].ty
            if e.dim is not None and t.mem == e.dim:
                return f"({args[0]}).sum({-ncore(t) - 1})"
            return f"({args[0]}).sum(-1)"
        if e.fn == "topk":
            return f"topk_mask({args[0]}, {int(e.args[1].value)})"
        if e.fn == "kron":
            return f"kron_vec({args[0]}, {args[1]})"
        if e.fn == "cat":
            if all(is_const(a) for a in e.args):
                raise LinError("cat() of constants alone has no per-token value", e.loc,
                               "cat() builds a feature map from per-token vectors, e.g. cat(1, x, kron(x, x))")
            return "cat_vec(" + ", ".join(x if is_const(a) or a.ty.kind == "vec" else f"({x})[..., None]"
                                          for a, x in zip(e.args, args)) + ")"
        raise LinError(f"{e.fn}() has no per-token value here", e.loc)
