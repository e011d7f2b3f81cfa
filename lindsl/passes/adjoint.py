"""Derive the backward pass of a canonical recurrence by reverse-mode reasoning over one step.

Forward step (state after token t):  S_t = A_t S_{t-1} E_t + sum_i k_i v_i^T,
A_t = D_t + sum_j b_j a_j^T, E_t = diag(e^{gv_t}), u_j = E_t S_{t-1}^T a_j, reads o = S_t^T x (or S_{t-1}^T x).
Let dS_t be the total gradient reaching S_t. Then, by the chain rule through one step:

  adjoint recurrence   dS_{t-1} = A_t^T dS_t E_t + sum_{reads of S_{t-1}} x dO^T
                       -- the same class run backwards in time, with b and a swapped and the
                          transition of token t+1 shifted onto position t;
  inputs               dk_i = dS_t v_i,  dv_i = dS_t^T k_i
  rank-one factors     db_j = dS_t u_j,  du_j = dS_t^T b_j,  da_j = S_{t-1} (e^{gv_t} * du_j)
                       (a delta rule's fold, b_0 = -s k_0: du_0 = -s dv_0, one read fewer; and without a value
                       gate the adjoint's rank-one term a_0 (b_0^T dS) = (-s a_0)(k_0^T dS) takes the source
                       -s a_0 and the reader k_0, so that its pseudo-values are dv_0 itself: no read of dv_0)
  reads                dx = S_t dO (after) or S_{t-1} dO (before)
  initial state        dS_0 = A_0^T dS_0' E_0 + (reads before token 0)
  log-gates            by the gauge S~_t = Gamma_t^{-1} S_t Delta_t^{-1} (Gamma, Delta the cumulative gates),
                       the gates move onto the token vectors: x -> e^{+G_t} x for reads, k, b -> e^{-G_t},
                       a -> e^{+G_{t-1}}, v -> e^{-Gv_t}, o -> e^{+Gv_t}. Hence
                       dG_t = sum (+/-) x * dx over those vectors (shifted by one for a and 'before' reads),
                       plus rowsum(dS_T * S_T) at the end, and dg_t = sum_{s >= t} dG_s, evaluated as a sum
                       within t's chunk plus the exact derivative at the next chunk's first token t',
                       rowsum(dS_t' * D_t' S_(t'-1) E_t'), from the stored chunk states (no long cancelling sums).
The plan below lists these equations for one Canonical; codegen renders it as code and explain as text.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .classify import delta_fold
from .normalize import Canonical, Read


@dataclass
class GaugeTerm:
    """sign * vec * dvec contributes to dG at position t (shift 0) or t-1 (shift -1)."""
    sign: int
    vec: str
    grad: str
    shift: int


@dataclass
class AdjointPlan:
    state: str
    R: int
    P: int
    reads: list[tuple[int, str]]  # (read index, timing)
    adjoint_inputs: list[tuple[str, str, bool]]  # (key vector, value grad, shifted to t-1)
    adjoint_reads: list[tuple[str, str, str, str]]  # (result, side, vector, equation)
    # (result, read result it scales, equation): a read equal to another read times -s (the fold, b = -s k')
    scaled_reads: list[tuple[str, str, str]]
    forward_reads: list[tuple[str, str, str, str, str]]  # (result, side, timing, vector, equation)
    # indices of forward reads whose vector is a scaled read's result (times E_t): a kernel may read the read it
    # scales and multiply its result rows by -s instead (the fold's da_t = S_{t-1} (E_t du_t), du = -s dv)
    scaled_forward: list[int] = field(default_factory=list)
    # (result, input key, equation): a read that the adjoint's pseudo-values give (the fold without a value gate:
    # the adjoint's rank-one factors become the source -s a0 and the reader k0, whose pseudo-values at token t's
    # transition, shifted onto position t - 1, are dv0_t = dS_t^T k0_t; dv0_0 from the adjoint's final state)
    pseudo_reads: list[tuple[str, str, str]] = field(default_factory=list)
    # each result that is an input's gradient -> that input: "k", "v", "b", "a" (stacked over i or j) or "x<i>"
    grad_of: dict[str, str] = field(default_factory=dict)
    key_gauge: list[GaugeTerm] = field(default_factory=list)
    value_gauge: list[GaugeTerm] = field(default_factory=list)
    key_gate: str = "none"
    value_gate: bool = False
    constant_values: bool = False  # every input's value is the constant 1: no dv read (derive_adjoint)

    @property
    def chunk_level_kernels(self) -> bool:
        """Whether the chunk-level adjoint (reverse mode through the chunk map, the forward's WY system reused) has
        every phase as a Triton kernel (runtime chunk_adjoint_triton): rank-one factors, no value gate, reads after
        the update, and no or a scalar key gate, or a per-dimension one with one factor, at most one input and one
        read (KDA's, RWKV-7's class)."""
        vector_ok = self.R == 1 and self.P <= 1 and len(self.reads) == 1
        return (self.R > 0 and (self.key_gate != "vector" or vector_ok) and not self.value_gate
                and all(timing == "after" for _, timing in self.reads))

    @property
    def chunk_level_default(self) -> bool:
        """Whether the chunk-level adjoint is the Triton engine's default backward instead of this token-level
        adjoint's rescan: where its kernels exist and were measured faster, at fla's five D <= 128 shapes with a
        scalar key gate (session 41) and without a gate (session 42; benchmarks/NOTES.md v41, v42), and with a
        per-dimension gate where the delta rule's fold is absent (RWKV-7's class; session 62, H100, forward+backward
        51.77 -> 48.71 ms at 4x4096x64x128, 25.95 -> 25.04 at 2x16384x16x128, NOTES v62). With the fold (KDA's)
        the rescan is the cheaper one: its adjoint's pseudo-values give dv and the fold saves it a read, and the
        chunk-level adjoint measured 5.7-7.6 % slower at those shapes (LINDSL_TUNE_CHUNK_ADJOINT=1 turns it on)."""
        return self.chunk_level_kernels and (self.key_gate != "vector" or not self.scaled_reads)

    def chunk_level_equations(self) -> list[str]:
        """The chunk-level adjoint's equations per chunk (engine.chunk_adjoint's docstring has their derivation)."""
        return ["per chunk c, last to first (T = (I - M)^-1 and W the forward's WY system, P_b the reads' pair "
                "products with b):",
                "  du = (e^{G_C - G} b) dS_(c+1) + P_b^T dO,   dS_c = e^{G_C} dS_(c+1) + (e^G x)^T dO + W^T du",
                "  dW = du S_c^T,  dT = dW (e^{G-} a)^T + du (N V)^T,  dM = T^T dT T^T,  dN = (T^T du) V^T",
                "  every input's gradient by the product rule through the pair products; dgk from the gauge sums "
                "within each chunk plus the next chunk's first token's exact derivative"]

    def equations(self) -> list[str]:
        """The backward recurrences as text lines."""
        A = "(D_t + " + " + ".join(f"b{j} a{j}^T" for j in range(self.R)) + ")" if self.R else "D_t"
        lines = [f"dS_{{t-1}} = {A.replace('D_t', 'D_t')}^T dS_t E_t" +
                 "".join(f" + [{'x' + str(i)} dO{i}^T]" for i, _ in self.reads)]
        for res, side, vec, eq in self.adjoint_reads:
            lines.append(eq)
        if self.constant_values:
            lines.append("dv: none (every value is the constant 1)")
        for res, key, eq in self.pseudo_reads:
            lines.append(eq)
        for res, src, eq in self.scaled_reads:
            lines.append(eq)
        for res, side, timing, vec, eq in self.forward_reads:
            lines.append(eq)
        if self.key_gate != "none":
            terms = " ".join(f"{'+' if g.sign > 0 else '-'} {g.vec}*{g.grad}{'[t+1]' if g.shift else ''}"
                             for g in self.key_gauge)
            red = " (summed over K)" if self.key_gate == "scalar" else ""
            lines.append(f"dgk_t = sum_(s>=t) ( {terms} ){red} + [t=T] rowsum(dS_T * S_T)")
            lines.append("      = (that sum within t's chunk) + rowsum(dS_t' * D_t' S_(t'-1) E_t'), t' = next chunk's first token")
        if self.value_gate:
            terms = " ".join(f"{'+' if g.sign > 0 else '-'} {g.vec}*{g.grad}{'[t+1]' if g.shift else ''}"
                             for g in self.value_gauge)
            lines.append(f"dgv_t = sum_(s>=t) ( {terms} ) + [t=T] colsum(dS_T * S_T)")
            lines.append("      = (that sum within t's chunk) + colsum(dS_t' * A_t' S_(t'-1) E_t'), t' = next chunk's first token")
        lines.append("dS_0 = A_0^T dS'_0 E_0 + (x dO^T of reads before token 0)")
        return lines


def derive_adjoint(c: Canonical, reads: list[tuple[int, Read]]) -> AdjointPlan:
    """The backward plan of one state's recurrence (reads: (local index, Read) of this state's reads)."""
    R, P = len(c.pairs), len(c.inputs)
    plan = AdjointPlan(c.state.name, R, P, [(i, r.timing) for i, r in reads], [], [], [], [],
                       key_gate=c.key_gate_kind, value_gate=c.value_gate is not None)
    for i, r in reads:
        plan.adjoint_inputs.append((f"x{i}", f"dO{i}", r.timing == "before"))
    folded = delta_fold(c) is not None
    pseudo = folded and c.value_gate is None
    # values that are all the constant 1 (a normalizer's z = z + k) have no gradient to make, and without a value
    # gate (whose gauge sums take dv) or rank-one factors (whose fold takes it) nothing else takes dv: no read
    plan.constant_values = all(r.v is None for r in c.inputs) and c.value_gate is None and R == 0
    for i in range(P):
        plan.adjoint_reads.append((f"dk{i}", "v", f"v{i}", f"dk{i}_t = dS_t v{i}_t"))
        plan.grad_of[f"dk{i}"] = "k"
        if plan.constant_values:
            continue
        if pseudo:
            plan.pseudo_reads.append((f"dv{i}", f"k{i}", f"dv{i}_t = dS_t^T k{i}_t = u'_(t-1), the adjoint's "
                                      f"pseudo-values with source -s a0, reader k{i}; dv{i}_0 = k{i}_0^T dS_0"))
        else:
            plan.adjoint_reads.append((f"dv{i}", "k", f"k{i}", f"dv{i}_t = dS_t^T k{i}_t"))
        plan.grad_of[f"dv{i}"] = "v"
    for j in range(R):
        plan.adjoint_reads.append((f"db{j}", "v", f"u{j}", f"db{j}_t = dS_t u{j}_t"))
        plan.grad_of[f"db{j}"] = "b"
        if folded:  # b0 = -s k0 and the same dS_t: dS_t^T b0_t = -s_t dS_t^T k0_t
            plan.scaled_reads.append((f"du{j}", f"dv{j}", f"du{j}_t = dS_t^T b{j}_t = -s_t dv{j}_t (b{j} = -s k{j})"))
        else:
            plan.adjoint_reads.append((f"du{j}", "k", f"b{j}", f"du{j}_t = dS_t^T b{j}_t"))
    for i, r in reads:
        plan.forward_reads.append((f"dx{i}", "v", r.timing, f"dO{i}",
                                   f"dx{i}_t = S_{{{'t' if r.timing == 'after' else 't-1'}}} dO{i}_t"))
        plan.grad_of[f"dx{i}"] = f"x{i}"
    for j in range(R):
        if folded:
            plan.scaled_forward.append(len(plan.forward_reads))
        plan.forward_reads.append((f"da{j}", "v", "before", f"egv*du{j}", f"da{j}_t = S_{{t-1}} (E_t du{j}_t)"))
        plan.grad_of[f"da{j}"] = "a"
    if c.key_gate is not None:
        for i, r in reads:
            plan.key_gauge.append(GaugeTerm(+1, f"x{i}", f"dx{i}", -1 if r.timing == "before" else 0))
        for i in range(P):
            plan.key_gauge.append(GaugeTerm(-1, f"k{i}", f"dk{i}", 0))
        for j in range(R):
            plan.key_gauge.append(GaugeTerm(-1, f"b{j}", f"db{j}", 0))
            plan.key_gauge.append(GaugeTerm(+1, f"a{j}", f"da{j}", -1))
    if c.value_gate is not None:
        for i, r in reads:
            plan.value_gauge.append(GaugeTerm(+1, f"o{i}", f"dO{i}", -1 if r.timing == "before" else 0))
        for i in range(P):
            plan.value_gauge.append(GaugeTerm(-1, f"v{i}", f"dv{i}", 0))
    return plan
