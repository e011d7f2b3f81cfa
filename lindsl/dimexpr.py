"""Derived dimensions: a dim declared as a polynomial of earlier dims with integer coefficients, e.g. the size of a
feature map built with cat() and kron() (Based's Taylor map: dim F = 1 + K + K^2).

A polynomial is a tuple of terms (coefficient, monomial), a monomial a tuple of (base dim, power), both sorted,
so that equal polynomials are equal tuples. No sympy: the generated module's bind_dims evaluates the same terms
with the same function (runtime/shapes.py's poly_size, inlined there).
"""
from __future__ import annotations

from .runtime.shapes import poly_size

Poly = tuple  # ((coef, ((dim, power), ...)), ...)


def poly_const(c: int) -> Poly:
    return ((c, ()),) if c else ()


def poly_dim(name: str) -> Poly:
    return ((1, ((name, 1),)),)


def _norm(terms: dict) -> Poly:
    return tuple(sorted((c, m) for m, c in terms.items() if c))


def _merge(m1, m2):
    powers = dict(m1)
    for d, p in m2:
        powers[d] = powers.get(d, 0) + p
    return tuple(sorted(powers.items()))


def poly_add(a: Poly, b: Poly, sign: int = 1) -> Poly:
    terms = {m: c for c, m in a}
    for c, m in b:
        terms[m] = terms.get(m, 0) + sign * c
    return _norm(terms)


def poly_mul(a: Poly, b: Poly) -> Poly:
    terms: dict = {}
    for c1, m1 in a:
        for c2, m2 in b:
            m = _merge(m1, m2)
            terms[m] = terms.get(m, 0) + c1 * c2
    return _norm(terms)


def poly_pow(a: Poly, n: int) -> Poly:
    out = poly_const(1)
    for _ in range(n):
        out = poly_mul(out, a)
    return out


def render_poly(p: Poly) -> str:
    """The polynomial in .lin syntax, highest degree first: 'K^2 + K + 1'."""
    if not p:
        return "0"
    parts = []
    for c, m in sorted(p, key=lambda t: (-sum(e for _, e in t[1]), t[1])):
        factors = [d if e == 1 else f"{d}^{e}" for d, e in m]
        if c != 1 or not factors:
            factors.insert(0, str(c))
        parts.append("*".join(factors))
    return " + ".join(parts).replace("+ -", "- ")


def sized(spec, base) -> dict:
    """Every dim of spec sized: base(dim) for the base dims, the derived ones from them."""
    return with_derived(spec.derived_dims, {d: base(d) for d in spec.dims if d not in spec.derived_dims})


def with_derived(derived: dict, sizes: dict) -> dict:
    """sizes with every derived dim's size added (in declaration order)."""
    out = dict(sizes)
    for d, p in derived.items():
        out[d] = poly_size(p, out)
    return out
