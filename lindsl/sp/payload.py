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
    cores = [core_info(n.canon[s.name], spec) for s in spec.states]
    for c, s in zip(cores, spec.states):  # for the cost of the LASP-2 correction (one product per read / input)
        c["reads"] = sum(1 for r in n.reads if r.state == s.name)
        c["inputs"] = len(n.canon[s.name].inputs)
    return {"spec": spec.name, "cores": cores,
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


# the executor's two forms (lindsl.sp.runtime): summary-first by default, LASP-2 on request where it applies
FORMS = ("lasp2", "summary-first")


def lasp2_applies(info: dict) -> tuple[bool, str]:
    """(whether the LASP-2 form applies to a spec's SP description, why or why not).

    It applies when every state's transition is identity, scalar or key-vector (optionally with a value-side gate)
    and the outputs are affine in the reads: the carried state S_in then reaches token t of a shard as
    diag(exp(Gk_t)) S_in diag(exp(Gv_t)) (cumulative log-gates from the shard start), so each rank runs its local
    forward and backward from zero at once and, after the exchange, adds one batched product per read."""
    dense = [c["state"] for c in info["cores"] if c["left"] == "dense"]
    if dense:
        return False, (
            f"state {', '.join(dense)} has a dense K x K transition (rank-one factors): the carried state's effect "
            "on token t is P_t S_in with P_t the product of the shard's transitions up to t, which per token is "
            "the WY/Householder form the chunk engine builds inside its state pass (a correction would cost about "
            "a forward pass)")
    if not info.get("linear_epilogue", False):
        return False, (
            "the outputs are not affine in the state reads: the reads' cotangents depend on the carried state, so "
            "a correction after the exchange cannot be separated from the local pass")
    kinds = sorted({c["left"] for c in info["cores"]})
    return True, (
        f"every transition is diagonal ({', '.join(kinds)}) and the outputs are affine in the reads: local "
        "forward/backward from zero before the exchange, then one batched product per read (x_t * exp(G_t)) @ S_in "
        "and, in backward, the terms linear in the carried cotangent")


def sp_form(info: dict, force: str | None = None) -> tuple[str, str]:
    """(form, why) of the sequence-parallel executor for a spec's SP description; force: "lasp2" where it
    applies (lasp2_applies; a ValueError elsewhere) or "summary-first".

    "summary-first", the default for every spec: each rank first runs a summary state pass (forward) or an adjoint
    state pass (backward), exchanges, and then runs its local pass from the received state. "lasp2": local passes
    from zero first, then the corrections after each exchange; on 2 H200s it measured slower where it applies
    (session 12: GLA at P=2, 32K tokens per rank, 1.03-1.09x against summary-first's 1.34x: the corrections'
    vector-Jacobian products and terminal gradients cost more than the state passes before the exchanges)."""
    if force is not None and force not in FORMS:
        raise ValueError(f"the executor form is one of {', '.join(FORMS)}, got {force!r}")
    applies, why = lasp2_applies(info)
    if force == "lasp2":
        if not applies:
            raise ValueError(f"spec {info['spec']} cannot run the lasp2 form: {why}")
        return "lasp2", "forced; " + why
    if not applies:
        return "summary-first", why + ", so the summary pass runs before the exchange and the local pass after it"
    return "summary-first", (
        "the default: the LASP-2 form also applies (" + why + "), but its corrections after the exchanges measured "
        "slower on 2 H200s than a state pass before them (GLA, P=2: 1.03-1.09x against 1.34x)")
