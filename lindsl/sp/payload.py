"""What a rank sends for its shard, derived from the IR (the canonical form of every state).

A shard's tokens act on the state at the shard start by an affine map S -> L S R + B (left and right factors
commute): B is the shard's final state from zero, L the product of the key-side transitions, R the product of
the value-side gates. The compact form of A = (L, R) follows from the transition class:

  transition   L per row           when
  none         nothing (identity)  no key gate, no rank-one factors
  scalar       1 number            a scalar gate exp(g)
  key-vector   K numbers           a per-key gate diag(exp(g))
  dense        K x K               rank-one factors (delta rule, Householder, DPLR)

plus V numbers for R when there is a value-side gate. A gate that depends on no per-token input (a known decay
such as RetNet's or Lightning's: heads, options, params) is *constant*: every rank computes any shard's A from its
length, so nothing is sent for it ("none (constant decay)").

`sp_info(normalized)` is baked into every generated module as SP_INFO (names are validated identifiers).
"""
from __future__ import annotations

from ..ir import Binary, Call, Expr, MatMul, Num, Spec, Transpose, Unary, Var
from ..passes.normalize import Canonical, Normalized

# names of the compact transition kinds, in the order of their payload size
KINDS = ("none", "scalar", "key-vector", "dense")


def time_invariant(e: Expr | None, spec: Spec) -> bool:
    """True when e depends on no per-token input (only numbers, options, dims, heads and params), following lets."""
    if e is None:
        return True
    lets = dict(spec.lets)
    seen: set[str] = set()

    def go(x: Expr) -> bool:
        for n in x.walk():
            if isinstance(n, Var):
                if n.kind == "input" or n.kind in ("state", "read"):
                    return False
                if n.kind == "let" and n.name not in seen:
                    seen.add(n.name)
                    if n.shift or n.name not in lets or not go(lets[n.name]):
                        return False
        return True

    return go(e)


def core_info(c: Canonical, spec: Spec) -> dict:
    """The SP description of one state's transition (plain data: names, kinds, flags)."""
    if c.pairs:
        left = "dense"
    elif c.key_gate is None:
        left = "none"
    else:
        left = "scalar" if c.key_gate_kind == "scalar" else "key-vector"
    right = "value-vector" if c.value_gate is not None else "none"
    const = (not c.pairs) and time_invariant(c.key_gate, spec) and time_invariant(c.value_gate, spec)
    st = c.state
    return {"state": st.name, "left": left, "right": right, "constant": bool(const),
            "key": st.key_dim, "value": st.value_dim, "mem": st.ty.mem}


def token_shifts(spec: Spec, n: Normalized) -> list[str]:
    """Inputs read at an earlier token (x[t-n]): a shard would need the previous shard's last tokens."""
    names = set()
    exprs = [e for _, e in spec.lets] + [r.x for r in n.reads] + [e for _, e in n.epilogue]
    for c in n.canon.values():
        exprs += [x for x in (c.key_gate, c.value_gate) if x is not None]
        for p in c.pairs:
            exprs += [p.b, p.a]
        for r in c.inputs:
            exprs += [r.k] + ([r.v] if r.v is not None else [])
    for e in exprs:
        for v in e.walk():
            if isinstance(v, Var) and v.kind == "input" and v.shift < 0:
                names.add(f"{v.name}[t{v.shift}]")
    return sorted(names)


def _affinity(e: Expr) -> str:
    """How an epilogue expression depends on the reads: "const" (not at all), "lin" (affine) or "non"."""
    if isinstance(e, Var):
        return "lin" if e.kind == "read" else "const"
    if isinstance(e, Num):
        return "const"
    kids = [_affinity(c) for c in e.children()]
    if all(k == "const" for k in kids):
        return "const"
    if "non" in kids:
        return "non"
    if isinstance(e, Unary):
        return kids[0] if e.op in ("neg", "asmem") else "non"
    if isinstance(e, Transpose):
        return kids[0]
    if isinstance(e, Binary):
        if e.op in ("+", "-"):
            return "lin"
        if e.op == "*":
            return "lin" if "const" in kids else "non"
        if e.op == "/":
            return "lin" if kids[1] == "const" else "non"
        return "non"
    if isinstance(e, MatMul):
        return "lin" if "const" in kids else "non"
    if isinstance(e, Call):
        return "lin" if e.fn == "sum" else "non"
    return "non"


def linear_epilogue(n: Normalized) -> bool:
    """Every output is affine in the state reads (so the reads' cotangents do not depend on the state)."""
    return all(_affinity(e) != "non" for _, e in n.epilogue)


def sp_info(n: Normalized) -> dict:
    """Everything the sequence-parallel runtime needs from the IR, as plain data."""
    spec = n.spec
    return {"spec": spec.name, "cores": [core_info(n.canon[s.name], spec) for s in spec.states],
            "token_shifts": token_shifts(spec, n), "params": [d.name for d in spec.params],
            "linear_epilogue": linear_epilogue(n)}


def kind_label(core: dict) -> str:
    """Human-readable payload kind of a core's A_r."""
    if core["constant"]:
        return "none (identity)" if core["left"] == "none" and core["right"] == "none" else "none (constant decay)"
    parts = []
    if core["left"] != "none":
        parts.append("dense K x K" if core["left"] == "dense" else core["left"])
    if core["right"] != "none":
        parts.append("value-vector")
    return " + ".join(parts) or "none (identity)"


def transition_elems(core: dict, K: int, V: int) -> int:
    """Numbers per row that a rank sends for its A_r (0 for identity and constant decays)."""
    if core["constant"]:
        return 0
    n = {"none": 0, "scalar": 1, "key-vector": K, "dense": K * K}[core["left"]]
    return n + (V if core["right"] != "none" else 0)
