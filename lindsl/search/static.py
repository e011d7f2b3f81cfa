"""Static checks of a candidate before any compute: causality, linear cost in T, stability. Each returns a
CheckResult with the reason (why it passes, or why it is rejected)."""
from __future__ import annotations

from dataclasses import dataclass

from ..errors import LinError
from ..ir import Spec, Var
from ..passes.normalize import Normalized, normalize
from .view import factor_norm, view_of

MAX_RANK_ONE = 4  # rank-one factors per state: each adds a K x K WY solve per chunk


@dataclass
class CheckResult:
    name: str
    ok: bool
    detail: str


def check_causality(spec: Spec) -> CheckResult:
    """Every reference is to the current token or an earlier one; states are read at t or t-1 only."""
    exprs = [("let " + n, e) for n, e in spec.lets] + [("update of " + n, e) for n, e in spec.updates.items()] \
        + [("out " + n, e) for n, e in spec.outputs] + [(f"route of {s.name}", s.route) for s in spec.states if s.route]
    shifts = []
    for where, e in exprs:
        for v in e.walk():
            if not isinstance(v, Var):
                continue
            if v.shift > 0:
                return CheckResult("causality", False, f"{where} reads {v.name}[t+{v.shift}], a future token")
            if v.kind == "state" and v.shift < -1:
                return CheckResult("causality", False, f"{where} reads {v.name}[t{v.shift}]: only S[t], S[t-1]")
            if v.kind == "input" and v.shift < 0:
                shifts.append(-v.shift)
    extra = f"; token shifts up to {max(shifts)} back" if shifts else ""
    return CheckResult("causality", True, "every reference is to the current or an earlier token" + extra)


def check_linear_cost(spec: Spec, sizes: dict[str, int] | None = None) -> tuple[CheckResult, Normalized | None]:
    """The update is in the canonical affine class (so the chunkwise algorithm exists: O(T) work, O(1) state in T)
    with a bounded number of rank-one factors; reports the per-token cost estimate."""
    try:
        n = normalize(spec)
    except LinError as e:
        return CheckResult("linear_cost", False, f"not in the linear class: {e.message}"), None
    sizes = sizes or {}
    flops = 0.0
    parts = []
    for name, c in n.canon.items():
        st = c.state
        K = sizes.get(st.key_dim, 64)
        V = sizes.get(st.value_dim, 64) if st.value_dim else 1
        M = sizes.get(st.ty.mem, 4) if st.ty.mem else 1
        R = len(c.pairs)
        if R > MAX_RANK_ONE:
            return CheckResult("linear_cost", False, f"state {name} has {R} rank-one factors (limit {MAX_RANK_ONE}): "
                               f"the chunk form solves an R*C x R*C system per chunk"), n
        per_tok = M * (4 * K * V * (1 + R) + 2 * 64 * (K + V) * (1 + R))
        flops += per_tok
        parts.append(f"{name}: {M}x{K}x{V} state, {R} rank-one factor{'s' if R != 1 else ''}")
    detail = f"O(T): {'; '.join(parts)}; ~{flops / 1e3:.0f} kFLOP/token/head at K=V=64, chunk 64"
    return CheckResult("linear_cost", True, detail), n


def check_stability(spec: Spec, normalized: Normalized | None = None) -> CheckResult:
    """||A_t|| <= 1 for every state's transition under the declared input constraints: products of factors each
    bounded by interval arithmetic (gates), I - c a a^T with ||a|| <= 1 and c in [0, 2], or sums by the triangle
    inequality; a routing mask only keeps a memory unchanged."""
    reasons = []
    for st in spec.states:
        v = view_of(spec, st.name)
        if v is None:
            if normalized is None:
                return CheckResult("stability", False, f"state {st.name}: the update is not a product of factors")
            c = normalized.canon[st.name]
            if c.pairs:
                return CheckResult("stability", False, f"state {st.name}: rank-one factors in an update that is not "
                                   "written as a product of factors; no norm bound")
            reasons.append(f"{st.name}: diagonal gates <= 1 (proved by normalize)")
            continue
        total, why = 1.0, []
        for f in v.key + v.value:
            b, r = factor_norm(f, spec)
            total *= b
            why.append(r)
            if not b <= 1.0 + 1e-12:
                return CheckResult("stability", False, f"state {st.name}: {r} > 1, so ||A_t|| is not shown <= 1")
        if not total <= 1.0 + 1e-12:
            return CheckResult("stability", False, f"state {st.name}: product of factor bounds {total:g} > 1")
        reasons.append(f"{st.name}: ||A_t|| <= {total:g} (" + ("; ".join(why) or "identity") + ")")
    return CheckResult("stability", True, " | ".join(reasons))


def static_checks(spec: Spec, sizes: dict[str, int] | None = None) -> tuple[list[CheckResult], Normalized | None]:
    """All static checks, in order; later checks run even when an earlier one fails (each reason is recorded)."""
    causal = check_causality(spec)
    cost, n = check_linear_cost(spec, sizes)
    stab = check_stability(spec, n) if n is not None else CheckResult("stability", False,
                                                                        "skipped: the update is not in the linear class")
    return [causal, cost, stab], n

