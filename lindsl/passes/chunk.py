"""Derive the chunkwise-parallel form of each canonical recurrence (as equations, for explain and codegen).

For a chunk of C tokens starting from state S_c, with cumulative log-gates G_t = sum_{s<=t} gk_s
(key side) and Gv_t (value side), every quantity is expressed through exp(G_t - G_s), s <= t, which is
at most 1 because the gates are non-positive: no exponential of a positive number is ever formed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..ir import render
from .classify import TransitionClass, classify_one
from .normalize import Canonical, Normalized


@dataclass
class ChunkForm:
    state: str
    cls: TransitionClass
    recurrence: str
    text: list[str] = field(default_factory=list)
    latex: list[str] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)


def recurrence_text(c: Canonical) -> str:
    s = c.state.name
    parts = []
    if c.key_gate is not None:
        parts.append(f"diag(exp({render(c.key_gate)}))" if c.key_gate_kind == "vector" else f"exp({render(c.key_gate)})")
    else:
        parts.append("I")
    for j, p in enumerate(c.pairs):
        parts.append(f"b{j} a{j}^T")
    A = parts[0] if len(parts) == 1 else "(" + " + ".join(parts) + ")"
    E = f" diag(exp({render(c.value_gate)}))" if c.value_gate is not None else ""
    ins = " + ".join(f"k{i} v{i}^T" for i in range(len(c.inputs))) or "0"
    defs = [f"b{j} = {render(p.b)}, a{j} = {render(p.a)}" for j, p in enumerate(c.pairs)]
    defs += [f"k{i} = {render(r.k)}, v{i} = {render(r.v) if r.v is not None else '1'}" for i, r in enumerate(c.inputs)]
    route = f"   [only where routed by {render(c.state.route)}]" if c.state.route is not None else ""
    return f"{s}_t = {A} {s}_(t-1){E} + {ins}{route}" + ("\n    where " + "; ".join(defs) if defs else "")


def derive_chunk(c: Canonical) -> ChunkForm:
    cls = classify_one(c)
    s = c.state.name
    f = ChunkForm(s, cls, recurrence_text(c))
    kg = c.key_gate is not None
    vg = c.value_gate is not None
    gam = "exp(G_t - G_s)" if kg else "1"
    f.text.append(f"G_t = cumsum_(s<=t) gk_s within the chunk" + ("; Gv_t likewise for the value gate" if vg else ""))
    if c.pairs:
        f.text.append(f"M[(t,j),(s,i)] = sum_d a_tj[d] b_si[d] exp(G_(t-1)[d] - G_s[d])   (s < t, strictly lower)")
        if cls.per_column:
            f.text.append("per value column v: T_v = (I - M * exp(Gv_t[v] - Gv_s[v]))^-1")
        else:
            f.text.append("T = (I - M)^-1   (UT transform, unit lower triangular; forward substitution)")
        f.text.append("W = T (exp(G_(t-1)) * a),  U = T N V   with N[(t,j),(s,i)] = a_tj . (exp(G_(t-1)-G_s) * k_si), s < t")
        f.text.append("u = W S_c + U   (pseudo-values u_t = a_t^T S_(t-1) E_t for the whole chunk)")
    f.text.append(f"{s}_(c+1) = diag(exp(G_C)) {s}_c" + (" diag(exp(Gv_C))" if vg else "")
                  + (" + sum_s (exp(G_C - G_s) b_s)(exp(Gv_C - Gv_s) u_s)^T" if c.pairs else "")
                  + " + sum_s (exp(G_C - G_s) k_s)(" + ("exp(Gv_C - Gv_s) " if vg else "") + "v_s)^T")
    f.text.append(f"o_t = " + ("exp(Gv_t) * " if vg else "") + f"{s}_c^T (exp(G_t) x_t) + sum_(s<=t) [x_t . ({gam} k_s)] v_s"
                  + (" + sum_(s<=t) [x_t . (" + gam + " b_s)] u_s" if c.pairs else "")
                  + "   (reads before the update use G_(t-1) and s < t)")
    f.latex.append(r"G_t = \sum_{s \le t} g_s")
    if c.pairs:
        f.latex.append(r"T = \left(I - \mathrm{StrictTril}\big(A \odot \Gamma\big)\right)^{-1},\quad "
                       r"W = T\,(e^{G_{t-1}} \odot A),\quad u = W S_c + T N V")
    f.latex.append(r"S_{c+1} = \mathrm{diag}(e^{G_C}) S_c + \sum_{s} (e^{G_C - G_s} \odot k_s)\, v_s^\top"
                   + (r" + \sum_s (e^{G_C - G_s} \odot b_s)\, u_s^\top" if c.pairs else ""))
    f.latex.append(r"o_t = S_c^\top (e^{G_t} \odot x_t) + \sum_{s \le t} \langle x_t, e^{G_t - G_s} \odot k_s\rangle v_s"
                   + (r" + \sum_{s \le t} \langle x_t, e^{G_t - G_s} \odot b_s\rangle u_s" if c.pairs else ""))
    f.summary.append(f"per-chunk summary for sequence parallelism: A_c = diag(exp(G_C))"
                     + (" + sum_s (exp(G_C - G_s) b_s) w_s^T  (dense K x K)" if c.pairs else "")
                     + f", B_c = {s}_(c+1) computed from S_c = 0   (payload: {cls.sp_payload})")
    return f


def derive(n: Normalized) -> dict[str, ChunkForm]:
    """The chunk form of every state."""
    return {name: derive_chunk(c) for name, c in n.canon.items()}
