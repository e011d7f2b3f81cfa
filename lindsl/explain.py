"""Human-readable derivations: the canonical recurrence, its chunkwise form, the backward, as text and LaTeX."""
from __future__ import annotations

from .dimexpr import render_poly
from .ir import ROLES, Binary, Call, Expr, MatMul, Num, Transpose, Unary, Var, render
from .passes.adjoint import derive_adjoint
from .passes.chunk import recurrence_text
from .passes.kernelize import kernelized_reads
from .runtime.op import Compiled

FN_TEX = {"exp": r"\exp", "log": r"\log", "sigmoid": r"\sigma", "tanh": r"\tanh", "sqrt": r"\sqrt"}


def latex(e: Expr) -> str:
    """LaTeX for a per-token expression."""
    if isinstance(e, Num):
        v = e.value
        return str(int(v)) if float(v).is_integer() else f"{v:g}"
    if isinstance(e, Var):
        n = e.name if len(e.name) == 1 else rf"\mathrm{{{e.name}}}"
        if e.kind == "ident":
            return "I"
        if e.kind == "state":
            return f"{n}_{{t-1}}" if e.shift else f"{n}_t"
        if e.kind == "read":
            return rf"r_{{{e.name[4:]}}}"
        sub = "t" if e.kind in ("input", "let") else ""
        if e.shift:
            sub = f"t{e.shift:+d}"
        if e.name == "beta":
            n = r"\beta"
        return f"{n}_{{{sub}}}" if sub else n
    if isinstance(e, Unary):
        return f"-{_p(e.x)}" if e.op == "neg" else latex(e.x)
    if isinstance(e, Transpose):
        return f"{_p(e.x)}^\\top"
    if isinstance(e, Binary):
        if e.op == "pow":
            return f"{_p(e.l)}^{{{latex(e.r)}}}"
        if e.op == "/":
            return rf"\frac{{{latex(e.l)}}}{{{latex(e.r)}}}"
        op = {"*": r" \odot " if e.l.ty.kind != "scalar" and e.r.ty.kind != "scalar" else r"\,", "+": " + ", "-": " - "}[e.op]
        return f"{_p(e.l) if e.op == '*' else latex(e.l)}{op}{_p(e.r) if e.op != '+' else latex(e.r)}"
    if isinstance(e, MatMul):
        return f"{_p(e.l)}\\,{_p(e.r)}"
    if isinstance(e, Call):
        fn = FN_TEX.get(e.fn, rf"\mathrm{{{e.fn}}}")
        args = ", ".join(latex(a) for a in e.args) + (f", {e.dim}" if e.dim and e.fn == "sum" else "")
        return rf"{fn}\left({args}\right)"
    return render(e)


def _p(e: Expr) -> str:
    s = latex(e)
    if isinstance(e, (Binary, MatMul)) and not (isinstance(e, Binary) and e.op in ("pow", "/")):
        return rf"\left({s}\right)"
    return s


def kernel_plan(module) -> list[str]:
    """What the generated module runs on the Triton engine beside the scans, and why not where it falls back: the
    per-row prologue and epilogue kernels (lindsl.codegen.rows) without and with gradients, the inputs their
    backward adds the cores' gradient part into, an output's skip term the read kernels may add, a value the scan may
    weigh per token, and the fused decode step (lindsl.codegen.step)."""
    def status(value, taken):
        return taken if value is True else f"no: {value} (the PyTorch prologue and epilogue, compiled on CUDA)"
    merged = "_merged_rows_grads" in vars(module)
    out = ["== generated kernels (Triton engine)",
           "  prologue and epilogue, calls without gradients: "
           + status(module.PROLOGUE_ROWS, "one generated per-row kernel each"),
           "  their backward: " + status(module.ROWS_GRAD, "generated vector-Jacobian kernels" + (
               ", one kernel after the cores' backward (the epilogue's launches nothing)" if merged else ""))]
    passes = [leaf for _, leaf in module.ROWS_PASSES]
    if passes:
        out.append("  inputs the cores take as they stand whose gradient the rows backward completes (the cores' "
                   "part added in its kernel, not by autograd): " + ", ".join(passes))
    for read, (y, c, _) in getattr(module, "SKIP_TERMS", {}).items():
        out.append(f"  the output's skip term {c} {y}: added by the scan's read kernels as they store {read}, no "
                   "epilogue launch, in the read kernel and in the state pass holding the reads (LINDSL_TUNE_SKIP_IN_READ=2, "
                   "the default; =1: only where the reads run in their own kernel, 0: never)")
    scaled = getattr(module, "SCALED_VALUE", None)
    if scaled:
        s, y = scaled[2], scaled[1]
        out.append(f"  the value {s} {y}: taken by the scan as {y} weighed by {s} in calls without gradients, the "
                   "prologue not writing it, where the reads run inside the state pass (LINDSL_TUNE_VALUE_SCALE=1, the "
                   "default; =2: everywhere, 0: never)")
    step = module.FUSED_STEP
    out.append("  decode step: " + ("one generated kernel per token (prologue, update, epilogue)" if step is True
                                    else f"no fused kernel: {step} (the engine's recurrent kernel between the "
                                         "PyTorch prologue and epilogue)"))
    return out


def explain(c: Compiled, module=None) -> str:
    """The full derivation report for a compiled spec; with its generated module, also what the module's kernels
    take on (kernel_plan)."""
    spec, n = c.spec, c.normalized
    out = [f"spec {spec.name} ({spec.file})", ""]
    out.append("inputs:")
    for d in spec.inputs:
        out.append(f"  {d.kind:5s} {d.name}: {d.ty}  ({d.role}: {ROLES[d.role]})")
    if spec.derived_dims:
        out.append("derived dims: " + ", ".join(f"{d} = {render_poly(p)}" for d, p in spec.derived_dims.items()))
    if spec.options:
        out.append("options: " + ", ".join(f"{k} = {render(v)}" for k, v in spec.options.items()))
    if spec.lets:
        out.append("per-token quantities:")
        for name, e in spec.lets:
            out.append(f"  {name} = {render(e)}")
    out.append("")
    out.append("== normalized recurrences (S_t = A_t S_(t-1) E_t + B_t)")
    for st in spec.states:
        out.append("  " + recurrence_text(n.canon[st.name]).replace("\n", "\n  "))
        out.append("  class: " + c.classes[st.name].describe())
    out.append("")
    out.append("== readouts and epilogue")
    for i, r in enumerate(n.reads):
        out.append(f"  read{i} = {r.state}_{'t' if r.timing == 'after' else '(t-1)'}^T ({render(r.x)})")
    for name, e in n.epilogue:
        out.append(f"  {name} = {render(e)}")
    out.append("")
    out.append("== chunkwise form (chunk of C tokens, chunk-start state S_c)")
    for st in spec.states:
        f = c.chunk_forms[st.name]
        out.append(f"  [{st.name}]")
        out += [f"    {line}" for line in f.text]
        out += [f"    {line}" for line in f.summary]
    kernelized = kernelized_reads(n)
    if kernelized:
        from .codegen.generate import kernel_scored_reads
        taken = kernel_scored_reads(n, kernelized)
        out.append("  pair scores from the feature maps' bases (lindsl/passes/kernelize.py; the Triton engine's read"
                   " kernels make them so: the forward's read, and the adjoint's dS^T k where the state has that one"
                   " read, after its update):")
        for i, score in kernelized.items():
            r = n.reads[i]
            why = taken[i]
            note = "" if not isinstance(why, str) else f"   (not taken: {why})"
            out.append(f"    read{i}: {render(r.x)} . {render(n.canon[r.state].inputs[0].k)} = {score.text()}{note}")
    out.append("")
    out.append("== backward (derived by reverse mode over one step)")
    for st in spec.states:
        reads = [(li, r) for li, r in enumerate([r for r in n.reads if r.state == st.name])]
        plan = derive_adjoint(n.canon[st.name], reads)
        out.append(f"  [{st.name}]")
        out += [f"    {line}" for line in plan.equations()]
        if plan.chunk_level_kernels:
            out.append("    on the Triton engine by default the chunk-level adjoint instead (LINDSL_TUNE_CHUNK_ADJOINT=0: "
                       "the above):" if plan.chunk_level_default else
                       "    with LINDSL_TUNE_CHUNK_ADJOINT=1 on the Triton engine the chunk-level adjoint instead:")
            out += [f"    {line}" for line in plan.chunk_level_equations()]
    out.append("")
    if module is not None:
        out += kernel_plan(module) + [""]
    out.append("== LaTeX")
    for st in spec.states:
        cn = n.canon[st.name]
        A = []
        if cn.key_gate is not None:
            g = latex(cn.key_gate)
            A.append(rf"\mathrm{{diag}}\!\left(e^{{{g}}}\right)" if cn.key_gate_kind == "vector" else rf"e^{{{g}}}")
        else:
            A.append("I")
        A += [rf"b^{{({j})}}_t a^{{({j})\top}}_t" for j in range(len(cn.pairs))]
        E = rf"\,\mathrm{{diag}}\!\left(e^{{{latex(cn.value_gate)}}}\right)" if cn.value_gate is not None else ""
        B = " + ".join(rf"k^{{({i})}}_t v^{{({i})\top}}_t" for i in range(len(cn.inputs))) or "0"
        name = st.name
        out.append(rf"  {name}_t = \left({' + '.join(A)}\right) {name}_{{t-1}}{E} + {B}")
        for j, p in enumerate(cn.pairs):
            out.append(rf"  b^{{({j})}}_t = {latex(p.b)},\quad a^{{({j})}}_t = {latex(p.a)}")
        for i, r in enumerate(cn.inputs):
            out.append(rf"  k^{{({i})}}_t = {latex(r.k)},\quad v^{{({i})}}_t = {latex(r.v) if r.v is not None else '1'}")
        out += [f"  {line}" for line in c.chunk_forms[st.name].latex]
        out.append(r"  dS_{t-1} = A_t^\top dS_t E_t + \sum_{\text{reads}} x_t\, dO_t^\top,\qquad "
                   r"dg_t = \sum_{s \ge t} \Big(\sum \pm\, x_s \odot dx_s\Big)")
    for i, r in enumerate(n.reads):
        out.append(rf"  r_{{{i}}} = {r.state}_{{{'t' if r.timing == 'after' else 't-1'}}}^\top {_p(r.x)}")
    for name, e in n.epilogue:
        out.append(rf"  {name}_t = {latex(e)}")
    return "\n".join(out)
