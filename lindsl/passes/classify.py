"""Classify each state's transition: the primitive factors, the chunk algorithm, and the SP payload."""
from __future__ import annotations

from dataclasses import dataclass

from .normalize import Canonical, Normalized


@dataclass
class TransitionClass:
    state: str
    factors: list[str]
    algorithm: str  # "gated" (masked intra-chunk matrix) or "wy" (UT/WY system for rank-one factors)
    per_column: bool  # the WY system differs per value column (value gate and rank-one factors)
    sp_payload: str  # what a rank sends for its shard's transition: none | scalar | key-vector | dense KxK | ...
    routed: bool

    def describe(self) -> str:
        f = ", ".join(self.factors) or "identity"
        return (f"{self.state}: transition = {f}; chunk algorithm: {self.algorithm}"
                f"{' (per value column)' if self.per_column else ''}; SP payload for A_r: {self.sp_payload}")


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
    return TransitionClass(c.state.name, list(c.factors), algorithm, per_column, payload, c.state.route is not None)


def classify(n: Normalized) -> dict[str, TransitionClass]:
    """The transition class of every state."""
    return {name: classify_one(c) for name, c in n.canon.items()}
