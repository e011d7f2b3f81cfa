"""IR -> .lin text, and a location-free structural key of a whole spec.

`to_lin(spec)` prints a spec that parses back to the same IR (`spec_key` equal); the decorator frontend
uses the printed text as the spec's canonical source (the generated-module cache key), and the search
prints every candidate it creates.
"""
from __future__ import annotations

import math

from ..dimexpr import render_poly
from ..errors import LinError
from ..ir import Binary, Call, Expr, MatMul, Num, Spec, Transpose, Unary, Var, structural_key

# binding strength of each printed form (higher binds tighter)
_SUM, _PRODUCT, _UNARY, _POWER, _POSTFIX = 1, 2, 3, 4, 5


def render_expr(e: Expr, update_of: str | None = None) -> str:
    """One expression in .lin notation; in the update of state `update_of`, its previous value prints as the name."""

    def num(v: float) -> str:
        if not math.isfinite(v) or v < 0:
            raise LinError(f"internal error: cannot print the number {v} in .lin (numbers are finite and >= 0)")
        if float(v).is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(float(v))

    def go(x: Expr) -> tuple[str, int]:
        if isinstance(x, Num):
            return num(x.value), _POSTFIX
        if isinstance(x, Var):
            if x.kind == "ident":
                return "I", _POSTFIX
            if x.kind == "state" and x.name == update_of:
                return x.name, _POSTFIX
            return x.name + (f"[t{x.shift:+d}]" if x.shift else ""), _POSTFIX
        if isinstance(x, Unary):
            if x.op == "asmem":  # inserted by the typed constructors; the parser re-inserts it
                return go(x.x)
            if x.op != "neg":
                raise LinError(f"internal error: unary operator {x.op} has no .lin form")
            return "-" + at(x.x, _UNARY), _UNARY
        if isinstance(x, Binary):
            if x.op == "pow":
                base = at(x.l, _POSTFIX)
                expo = go(x.r)[0] if isinstance(x.r, Num) else f"({go(x.r)[0]})"
                return f"{base}^{expo}", _POWER
            if x.op in "+-":
                return f"{at(x.l, _SUM)} {x.op} {at(x.r, _PRODUCT)}", _SUM
            return f"{at(x.l, _PRODUCT)} {x.op} {at(x.r, _UNARY)}", _PRODUCT
        if isinstance(x, MatMul):  # juxtaposition: the right operand must be a power or tighter
            return f"{at(x.l, _PRODUCT)} {at(x.r, _POWER)}", _PRODUCT
        if isinstance(x, Transpose):
            return f"{at(x.x, _POSTFIX)}^T", _POSTFIX
        if isinstance(x, Call):
            args = [go(a)[0] for a in x.args] + ([x.dim] if x.dim and x.fn == "sum" else [])
            return f"{x.fn}({', '.join(args)})", _POSTFIX
        raise LinError(f"internal error: cannot print {type(x).__name__}")

    def at(x: Expr, need: int) -> str:
        s, p = go(x)
        return s if p >= need else f"({s})"

    return go(e)[0]


def _shape(dims) -> str:
    return f"[{', '.join(dims)}]" if dims else ""


def to_lin(spec: Spec, header: str | None = None) -> str:
    """The spec as .lin text (one declaration per line), optionally preceded by a '#' comment header."""
    lines = []
    if header:
        lines += ["# " + h if h else "#" for h in header.splitlines()]
    lines.append(f"lin {spec.name}")
    if spec.dims:
        lines.append("dim " + ", ".join(d + (f" = {render_poly(spec.derived_dims[d])}" if d in spec.derived_dims else "")
                                        for d in spec.dims))
    for d in spec.inputs:
        dims = ([d.ty.mem] if d.ty.mem else []) + list(d.ty.dims)
        role = f": {d.role}" if d.role != "real" else ""
        lines.append(f"{'in' if d.kind == 'input' else 'param'} {d.name}{_shape(dims)}{role}")
    for name, e in spec.options.items():
        lines.append(f"option {name} = {render_expr(e)}")
    for name, e in spec.lets:
        lines.append(f"let {name} = {render_expr(e)}")
    for st in spec.states:
        dims = ([st.ty.mem] if st.ty.mem else []) + list(st.ty.dims)
        route = f" routed by {render_expr(st.route)}" if st.route is not None else ""
        lines.append(f"state {st.name}{_shape(dims)}{route}")
    for st in spec.states:
        lines.append(f"{st.name} = {render_expr(spec.updates[st.name], update_of=st.name)}")
    for name, e in spec.outputs:
        lines.append(f"out {name} = {render_expr(e)}")
    return "\n".join(lines) + "\n"


def spec_key(spec: Spec) -> tuple:
    """A hashable description of the whole IR, equal for equal specs whatever their source locations."""
    return (
        spec.name,
        tuple(spec.dims),
        tuple(sorted(spec.derived_dims.items())),
        tuple((d.name, d.ty, d.role, d.kind) for d in spec.inputs),
        tuple((k, structural_key(e)) for k, e in spec.options.items()),
        tuple((k, structural_key(e)) for k, e in spec.lets),
        tuple((s.name, s.ty, structural_key(s.route) if s.route is not None else None) for s in spec.states),
        tuple(sorted((k, structural_key(e)) for k, e in spec.updates.items())),
        tuple((k, structural_key(e)) for k, e in spec.outputs),
    )
