"""Classify each state's transition: the primitive factors, the chunk algorithm, and the SP payload."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .. import types as T
from ..ir import Binary, Expr, Unary, render, structural_key
from .normalize import Canonical, Normalized


@dataclass
class TransitionClass:
    state: str
    factors: list[str]
    algorithm: str  # "gated" (masked intra-chunk matrix) or "wy" (UT/WY system for rank-one factors)
    per_column: bool  # the WY system differs per value column (value gate and rank-one factors)
    sp_payload: str  # what a rank sends for its shard's transition: none | scalar | key-vector | dense KxK | ...
    routed: bool
    delta_fold: str = ""  # "s" when b = -s k' (the state pass takes k'^T (v' - s u)); "" otherwise

    def describe(self) -> str:
        f = ", ".join(self.factors) or "identity"
        fold = f"; delta-rule update k'^T (v' - s u) with s = {self.delta_fold}" if self.delta_fold else ""
        return (f"{self.state}: transition = {f}; chunk algorithm: {self.algorithm}"
                f"{' (per value column)' if self.per_column else ''}; SP payload for A_r: {self.sp_payload}{fold}")


def classify_one(c: Canonical) -> TransitionClass:
    R = len(c.pairs)
    algorithm = "wy" if R else "gated"
    per_column = bool(R and c.value_gate is not None)
    if R:
        # the value gate commutes with the key-side product (L S R): a V-vector on top of the dense K x K
        payload = "dense K x K + value-vector" if c.value_gate is not None else "dense K x K"
    elif c.key_gate is None and c.value_gate is None:
        payload = "none (identity)"
    else:
        parts = []
        if c.key_gate is not None:
            parts.append("scalar" if c.key_gate_kind == "scalar" else "key-vector")
        if c.value_gate is not None:
            parts.append("value-vector")
        payload = " + ".join(parts)
    fold = delta_fold(c)
    return TransitionClass(c.state.name, list(c.factors), algorithm, per_column, payload, c.state.route is not None,
                           "" if fold is None else ("1" if fold == 1 else render(fold)))


def _factors(e: Expr) -> tuple[int, list[Expr], list[Expr]]:
    """e as sign * product(scalars) * product(vectors), flattening negation and elementwise/broadcast products
    (both commute); any other node is one factor."""
    if isinstance(e, Unary) and e.op == "neg":
        sign, sc, vec = _factors(e.x)
        return -sign, sc, vec
    if isinstance(e, Binary) and e.op == "*":
        s1, sc1, v1 = _factors(e.l)
        s2, sc2, v2 = _factors(e.r)
        return s1 * s2, sc1 + sc2, v1 + v2
    return (1, [e], []) if e.ty.kind == "scalar" else (1, [], [e])


def delta_fold(c: Canonical):
    """A delta rule's update: with one rank-one factor and one input whose key k' gives b = -s k' for a per-token
    scalar s, the state pass can take b^T u + k'^T v' as k'^T (v' - s u), one product instead of two. s is found by
    factoring b and k' into a sign, scalar factors and vector factors: the vector factors must agree and k''s scalar
    factors must be among b's; s is what is left (DeltaNet, KDA: 1; Gated DeltaNet: exp(g); MoM: the routed exp(g),
    the router's selection multiplying both sides). Returns None, 1 or the expression s."""
    if len(c.pairs) != 1 or len(c.inputs) != 1 or c.inputs[0].v is None:
        return None
    sign_b, sc_b, vec_b = _factors(c.pairs[0].b)
    sign_k, sc_k, vec_k = _factors(c.inputs[0].k)
    keys = lambda es: Counter(structural_key(e) for e in es)  # noqa: E731
    if not vec_b or keys(vec_b) != keys(vec_k) or keys(sc_k) - keys(sc_b):
        return None
    rest, drop = [], keys(sc_k)
    for e in sc_b:
        if drop[structural_key(e)]:
            drop[structural_key(e)] -= 1
        else:
            rest.append(e)
    if not rest:
        return 1 if sign_b * sign_k < 0 else None
    s = rest[0]
    for e in rest[1:]:
        s = T.binary("*", s, e, e.loc)
    return s if sign_b * sign_k < 0 else T.neg(s, s.loc)


def classify(n: Normalized) -> dict[str, TransitionClass]:
    """The transition class of every state."""
    return {name: classify_one(c) for name, c in n.canon.items()}
