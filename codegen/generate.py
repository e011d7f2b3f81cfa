"""Generate a self-contained Python module (imports only torch) implementing a spec's chunkwise op.

The module inlines the builtins, the shape binder and the chunk engine, then adds code generated from
the IR: the options, the prologue (lets and the canonical per-token vectors), one autograd Function per
state whose backward is rendered from the derived adjoint plan, and the epilogue.
"""
from __future__ import annotations

import hashlib
import json
import keyword
import re
from importlib import resources
from pathlib import Path

import jinja2

from lindsl import __version__
from lindsl.errors import LinError
from lindsl.ir import Binary, Call, Expr, MatMul, Spec, Unary, Var, structural_key
from lindsl.passes.adjoint import derive_adjoint
from lindsl.passes.chunk import recurrence_text
from lindsl.passes.classify import delta_fold
from lindsl.passes.kernelize import PairScore, kernelized_reads
from lindsl.passes.normalize import Normalized, split_scale
from lindsl.passes.vjp import NotDifferentiable, vector_jacobian
from lindsl.sp.payload import sp_info

from .emit import Emitter, align, is_const, safe
from .rows import backward_kernel, epilogue_kernel, prologue_kernel
from .step import fused_step

RUNTIME_FILES = ("builtins.py", "shapes.py", "engine.py", "triton_engine.py")
KERNEL_SCORE_DEGREE = 4  # the read kernel's polynomials (_kernelized_scores: five coefficients)


def _runtime_source(name: str) -> str:
    return resources.files("lindsl.runtime").joinpath(name).read_text()


def _template() -> jinja2.Template:
    env = jinja2.Environment(loader=jinja2.PackageLoader("lindsl.codegen", "templates"), trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return env.get_template("module.py.j2")


def generator_fingerprint() -> str:
    """Hash of everything that shapes generated code (version, template, runtime sources)."""
    h = hashlib.sha256(__version__.encode())
    h.update(resources.files("lindsl.codegen").joinpath("templates/module.py.j2").read_bytes())
    for f in RUNTIME_FILES:
        h.update(_runtime_source(f).encode())
    for f in ("step_kernel.py.j2", "rows_kernel.py.j2"):
        h.update(resources.files("lindsl.codegen").joinpath("templates", f).read_bytes())
    for f in ("emit.py", "generate.py", "triton_emit.py", "step.py", "rows.py"):
        h.update(resources.files("lindsl.codegen").joinpath(f).read_bytes())
    h.update(resources.files("lindsl.sp").joinpath("payload.py").read_bytes())  # SP_INFO
    return h.hexdigest()[:16]


def spec_hash(spec: Spec) -> str:
    return hashlib.sha256((spec.source + "\0" + generator_fingerprint()).encode()).hexdigest()[:16]


def _check_name(name: str, loc) -> str:
    if keyword.iskeyword(name) or name.startswith("_lindsl") or name in ("scale", "initial_state",
                                                                           "output_final_state", "chunk_size",
                                                                           "cu_seqlens", "backend", "sp_group",
                                                                           "sp_schedule", "prev_inputs",
                                                                           "output_prev_inputs"):
        raise LinError(f"'{name}' cannot name an input: it is a Python keyword or an argument of the op", loc,
                       "rename it")
    return safe(name)


def generate_module(n: Normalized) -> str:
    """The source text of the chunkwise module for a normalized spec."""
    spec = n.spec
    fn_name = _check_name(spec.name, None)
    emit = Emitter()
    decl_names = [_check_name(d.name, d.loc) for d in spec.inputs]
    decls = [(d.name, d.kind, ([d.ty.mem] if d.ty.mem else []) + list(d.ty.dims)) for d in spec.inputs]
    options = [(safe(k), emit(e)) for k, e in spec.options.items()]
    shifted = sorted({(v.name, -v.shift) for e in _all_exprs(spec, n) for v in e.walk()
                      if isinstance(v, Var) and v.kind == "input" and v.shift < 0})
    lets = [(safe(name), emit(e)) for name, e in spec.lets]
    cores = []
    gid_of = {}
    row_tensors = []  # (name, expr, vector, raw, state index, core, routed) of every canonical tensor
    # loggate inputs used only as a state's gate: the PyTorch prologue may pass them through in their dtype (raw
    # below); one used elsewhere too would get its gradient's parts summed in that dtype instead of fp32 (there every
    # use takes one fp32 copy). The rows prologue passes every loggate input that is a gate as it stands through
    # (HGRN2's and KDA's g, also used in 1 - exp(g) and the WY factors: a 0.2 ms fp32 copy per forward at
    # 2x16384x16x128, session 36, call 2), with gradients too: its backward kernel writes the other uses' part in
    # the input's dtype anyway, so the copy changed no gradient (bit-identical, session 45) and only held 2 bytes
    # per element more to the backward
    uses = [v.name for e in _all_exprs(spec, n) for v in e.walk() if isinstance(v, Var) and v.kind == "input"]
    loggate_any = {d.name for d in spec.inputs if d.kind == "input" and d.role == "loggate"}
    loggate_inputs = {name for name in loggate_any if uses.count(name) == 1}
    pair_scores = kernel_scored_reads(n)
    for si, st in enumerate(spec.states):
        c = n.canon[st.name]
        reads = [(gi, r) for gi, r in enumerate(n.reads) if r.state == st.name]
        local = [(li, r) for li, (gi, r) in enumerate(reads)]
        plan = derive_adjoint(c, local)
        p = f"c{si}_"
        mem = st.ty.mem
        M_code = f"sizes[{mem!r}]" if mem else "1"
        tensors = []

        def add(name, expr, core, code=None, vector=True, gate=False):
            """A canonical tensor; vector=False for log-gates and the fold's scale, which stay fp32. A log-gate that
            is a loggate input as it stands, used nowhere else, also records the input's name (raw): the prologue
            may pass a bf16 input through, exactly, since every kernel converts the gates to fp32 as it loads them
            and the backward's glue where it computes with them."""
            code = code if code is not None else emit(expr)
            expr_mem = bool(expr.ty.mem) if expr is not None else False
            if mem and not expr_mem:
                code = f"_mem({code}, {M_code}, {core})"
            as_given = (gate and not mem and isinstance(expr, Var) and expr.kind == "input" and expr.shift == 0
                        and expr.name in loggate_any)
            raw = as_given and expr.name in loggate_inputs
            tensors.append((name, code, core, vector, expr.name if raw else None))
            row_tensors.append((name, expr, vector, expr.name if as_given else None, si, core, bool(mem)))

        if c.key_gate is not None:
            add(p + "gk", c.key_gate, 0 if c.key_gate.ty.kind == "scalar" else 1, vector=False, gate=True)
        if c.value_gate is not None:
            add(p + "gv", c.value_gate, 1, vector=False, gate=True)
        for j, pr in enumerate(c.pairs):
            add(f"{p}b{j}", pr.b, 1)
            add(f"{p}a{j}", pr.a, 1)
        for i, r in enumerate(c.inputs):
            add(f"{p}k{i}", r.k, 1)
            if r.v is None:
                add(f"{p}v{i}", None, 1, code="torch.ones(B, T, H, 1, dtype=dtype, device=device)")
            else:
                add(f"{p}v{i}", r.v, 1)
        # the reads' constant factors, split from their vectors where every read of the state has the same one: the
        # adjoint then runs from dS_T / c with the vectors and cotangents as given (its results times c), exactly
        # consistent with the rescan's reads of the cotangents (the gate gradients' gauge sums cancel between them)
        splits = _state_read_coefficients([r for _, r in reads])
        coefs = [None if c is None else emit(c) for c, _ in splits]
        for li, ((gi, r), (_, y)) in enumerate(zip(reads, splits)):
            add(f"{p}x{li}", y, 1)
            gid_of[gi] = (si, li)
        kernel = _kernel_scores(reads, pair_scores, emit)
        for li in kernel:
            add(f"{p}xb{li}", pair_scores[reads[li][0]].reader_base, 1)
            add(f"{p}kb{li}", pair_scores[reads[li][0]].source_base, 1)
        fold = delta_fold(c)
        if isinstance(fold, Expr):
            add(p + "fold", fold, 0, vector=False)
        # factors stack before the feature dimension: [N, T, D] -> [N, T, F, D], [B, T, H, D] -> [B, T, H, F, D]
        stack = lambda names: (f"torch.stack([{', '.join(names)}], -2)" if len(names) > 1  # noqa: E731
                               else (f"{names[0]}.unsqueeze(-2)" if names else "None"))
        vector_state = st.ty.kind == "vec"
        V_code = "1" if vector_state else f"sizes[{st.value_dim!r}]"
        mid = f"[{M_code}]" if mem else "[]"
        shape = ["Be", "H"] + ([M_code] if mem else []) + [f"sizes[{st.key_dim!r}]"] + ([] if vector_state else [V_code])
        vec_code = {f"x{li}": f"xs[{li}]" for li, _ in local}
        vec_code.update({f"o{li}": f"outs[{li}]" for li, _ in local})
        # one factor of a stack (the dimension before the feature's, in either layout: [N, T, F, D], [B, T, H, F, D])
        vec_code.update({f"k{i}": f"k[..., {i}, :]" for i in range(len(c.inputs))})
        vec_code.update({f"v{i}": f"v[..., {i}, :]" for i in range(len(c.inputs))})
        vec_code.update({f"b{j}": f"b[..., {j}, :]" for j in range(len(c.pairs))})
        vec_code.update({f"a{j}": f"a[..., {j}, :]" for j in range(len(c.pairs))})
        vec_code.update({f"u{j}": f"u[..., {j}, :]" for j in range(len(c.pairs))})
        factor_index = {"b": 2, "a": 3, "k": 4, "v": 5}

        def dtype_code(name, vec_code=vec_code):
            """The working dtype of an input whose gradient a read makes: from the backward's work_dtypes, not the
            tensor, which a reference after a graph break of the compiled glue would keep in memory."""
            if name in factor_index:
                return f"work_dtypes[{factor_index[name]}]"
            m = re.fullmatch(r"x(\d+)", name)
            return f"work_dtypes[{7 + int(m.group(1))}]" if m else vec_code.get(name, name) + ".dtype"

        # the input gradients among the reads' results and the tensor whose dtype each takes (du is not one)
        adj_casts = [(r, dtype_code(plan.grad_of[r]))
                     for r, *_ in plan.adjoint_reads + plan.pseudo_reads + plan.scaled_reads if r in plan.grad_of]
        fwd_casts = [(r, dtype_code(plan.grad_of[r])) for r, *_ in plan.forward_reads]
        grad_vec_code = {f"dO{li}": f"dO[{li}]" for li, _ in local}
        grad_vec_code.update({f"egv*du{j}": f"(du{j} * egv if egv is not None else du{j})" for j in range(len(c.pairs))})
        cores.append(dict(
            name=safe(st.name), index=si, equation=recurrence_text(c).replace("\n", " "),
            backward_equations=plan.equations(), reads=[r for _, r in local], nreads=len(local),
            read_ids=[gi for gi, _ in reads], plan=plan, vec_code=vec_code, grad_vec_code=grad_vec_code,
            tensors=tensors, M_code=M_code, mem=bool(mem),
            # the Triton engine's kernels take this state's per-token tensors in the callers' [B, T, H, ...] layout
            # (no copies to [rows, T, ...]), forward and backward, unless a value gate needs its WY kernel
            # (_prep_col_kernel, rows only): chunk_scan_triton's heads
            token_layout=not plan.value_gate,
            fold_arg="None" if fold is None else ("True" if fold == 1 else p + "fold"),
            gk_arg=p + "gk" if c.key_gate is not None else "None",
            gv_arg=p + "gv" if c.value_gate is not None else "None",
            b_arg=stack([f"{p}b{j}" for j in range(len(c.pairs))]),
            a_arg=stack([f"{p}a{j}" for j in range(len(c.pairs))]),
            k_arg=stack([f"{p}k{i}" for i in range(len(c.inputs))]),
            v_arg=stack([f"{p}v{i}" for i in range(len(c.inputs))]),
            x_args=[f"{p}x{li}" for li, _ in local], K=st.key_dim, V_code=V_code, mid=mid,
            # the reads whose pair scores the Triton engine makes from the feature maps' base vectors
            # (chunk_scan_triton's kernel_scores): {read: (xb, kb, coefficients)}, or None
            kernel_arg=_kernel_arg_code(p, kernel),
            # the adjoint read that scores the kernelized read's pairs the other way round (dv0 = dS^T k0): one read,
            # after the update (its adjoint input unshifted)
            adj_kernel_read=next((j for j, (res, *_) in enumerate(plan.adjoint_reads) if res == "dv0"), None)
            if 0 in kernel and len(local) == 1 and local[0][1].timing == "after" else None,
            # each read's constant factor (S^T (c y) read as y, its result times c: the kernels' read_scales; one for
            # every read of the state, or none) and its whole vector c y, for the paths that take the vector itself
            # (decoding, sequence parallelism)
            read_scales="(" + "".join(f"{c}, " for c in coefs) + ")",
            x_full_args=[f"{p}x{li}" if c is None else f"({p}x{li} * {c})" for li, c in enumerate(coefs)],
            fwd_scales="[" + "".join(
                f"read_scales[{vec[2:]}], " if re.fullmatch(r"dO\d+", vec) and coefs[int(vec[2:])] else "None, "
                for _, _, _, vec, _ in plan.forward_reads) + "]",
            final_shape="(" + ", ".join(shape) + ")", vector_state=vector_state,
            # every adjoint input the next token's (reads before the update): the flipped copies shift as they flip
            adj_shifted=bool(plan.adjoint_inputs) and all(sh for _, _, sh in plan.adjoint_inputs),
            adj_k_plain=stack([f"xs[{i}]" for i in range(len(plan.adjoint_inputs))]),
            adj_v_plain=stack([f"dO[{i}]" for i in range(len(plan.adjoint_inputs))]),
            adj_k_stack=stack([f"shift_next(xs[{i}])" if sh else f"xs[{i}]"
                               for i, (_, _, sh) in enumerate(plan.adjoint_inputs)]),
            adj_v_stack=stack([f"shift_next(dO[{i}])" if sh else f"dO[{i}]"
                               for i, (_, _, sh) in enumerate(plan.adjoint_inputs)]),
            grad_stacks={g: "None" if g == "dv" and plan.constant_values else
                         stack([f"{g}{j}" for j in range(len(c.pairs) if g in ("db", "da") else len(c.inputs))])
                         for g in ("db", "da", "dk", "dv")},
            gauge=_gradient_sums(plan, vec_code, grad_vec_code),
            gauge_terms=_gauge_kernel_terms(plan, vec_code, grad_vec_code, dict(adj_casts + fwd_casts)),
            read_gauge=_read_gauges(plan, vec_code, dtype_code),
            flip_read=_flip_read(plan),
            flip_rescan=_flip_rescan(plan),
            adj_casts=adj_casts,
            pseudo_dtype={r: dtype_code(plan.grad_of[r]) for r, *_ in plan.pseudo_reads},
            fwd_casts=fwd_casts,
            # each read's dtype when no gate gradient takes it: its input's, or the working dtype for one that is
            # not an input's gradient (an unfolded du, which a later read takes)
            adj_out=[dtype_code(plan.grad_of[r]) if r in plan.grad_of else "ST.dtype" for r, *_ in plan.adjoint_reads],
            fwd_out=[dtype_code(plan.grad_of[r]) for r, *_ in plan.forward_reads],
            adj_unpack=_unpack([r[0] for r in plan.adjoint_reads]),
            fwd_unpack=_unpack([r[0] for r in plan.forward_reads]),
            # the forward reads of a folded du (-s dv, no value gate): the Triton engine reads dv and scales the
            # results (chunk_scan_triton's fold_reads)
            fold_reads=repr(tuple(plan.scaled_forward)) if plan.scaled_forward and not plan.value_gate else None,
        ))
    epilogue = [(safe(name), align(emit(e), e.ty, e.ty)) for name, e in n.epilogue]
    codes = [code for _, code in epilogue]
    direct, added = _epilogue_reads(n.epilogue)
    for c in cores:
        # a read that is an output as it stands may be stored in the input dtype; any read the epilogue computes
        # with stays fp32 until the epilogue is done
        c["direct"] = [f"read{gi}" in direct for gi in c["read_ids"]]
        c["added"] = [f"read{gi}" in added for gi in c["read_ids"]]
    skips = _epilogue_skips(n.epilogue)
    for c in cores:
        # an output's skip term added by the scan's read kernels (chunk_scan_triton's skips): the core's own reads'
        # indices -> (the input y, the coefficient c, whether c is per token); reads of the tensor-core path only (no
        # per-dimension or value gate)
        plain = c["plan"].key_gate != "vector" and not c["plan"].value_gate and not c["mem"] and not c["vector_state"]
        c["skips"] = {i: skips[f"read{gi}"] for i, gi in enumerate(c["read_ids"]) if plain and f"read{gi}" in skips}
    skip_core = next((c for c in cores if c["skips"]), None)
    for si, st in enumerate(spec.states):
        # a value the scan may take as an input and a per-token scale (chunk_scan_triton's value_scale) in calls
        # without gradients, the rows prologue then not writing it: (the tensor's name, y, s) or None
        scaled = (_scaled_value(n.canon[st.name]) if len(spec.states) == 1 and not cores[si]["mem"]
                  and st.ty.kind == "mat" else None)
        cores[si]["value_scale"] = (f"c{si}_v0",) + scaled if scaled else None
    scaled_core = next((c for c in cores if c["value_scale"]), None)
    # what the prologue function returns: the canonical tensors and the inputs/lets the epilogue computes with
    prologue_outputs = [name for c in cores for name, *_ in c["tensors"]]
    epilogue_lets = sorted(set(re.findall(r"\bv_\w+", " ".join(codes))))
    prologue_outputs += epilogue_lets
    epilogue_reads = [f"read{gi}" for c in cores for gi in c["read_ids"]]
    chunk = int(spec.options["chunk"].value) if "chunk" in spec.options else 64
    shift_of = {name: max(k for x, k in shifted if x == name) for name in dict.fromkeys(x for x, _ in shifted)}
    step = fused_step(n, shift_of)
    launch = _launch_args(spec, list(shift_of.items()), 12)
    # the delta rule's fold b = -s k' (the core's one pair): the rows prologue of a call without gradients on the
    # Triton engine need not write it, the scan makes it where a kernel it chose loads b (chunk_scan_triton's
    # fold_b_unmade) ({names of b and k', the core's index}; value_scale's and the fold's cores never meet: no
    # rank-one factors there, one here)
    fold_core = next((c for c in cores if c["fold_arg"] != "None"), None)  # (the fold: one pair, one input)
    fold_b = (dict(b=f"c{fold_core['index']}_b0", k=f"c{fold_core['index']}_k0", index=fold_core["index"])
              if fold_core and not scaled_core else None)
    rows = _rows_kernels(spec, n, row_tensors, shift_of, all(re.fullmatch(r"read\d+", code) for code in codes),
                         omit=scaled_core["value_scale"][0] if scaled_core else fold_b["b"] if fold_b else None)
    ctx = dict(
        version=__version__, source_file=Path(spec.file).name, spec_name=spec.name, spec_hash=spec_hash(spec),
        summary=[recurrence_text(n.canon[s.name]).replace("\n", " ") for s in spec.states],
        chunk=chunk, decls=repr(decls), derived=repr(list(spec.derived_dims.items())), states=repr([s.name for s in spec.states]),
        outputs=repr([o for o, _ in spec.outputs]), n_outputs=len(spec.outputs), n_states=len(spec.states),
        builtins_src=_runtime_source("builtins.py"), shapes_src=_runtime_source("shapes.py"),
        engine_src=_runtime_source("engine.py"),
        triton_src=_indent(_runtime_source("triton_engine.py")), options=options, has_scale="scale" in spec.options,
        cores=cores, fn_name=fn_name, decl_names=decl_names, decls_info=spec.inputs, shifted=shifted,
        shifts=repr(shift_of),
        step=step if not isinstance(step, str) else None, step_status=repr(True if not isinstance(step, str) else step),
        step_kernel=_indent(step.kernel) if not isinstance(step, str) else "",
        launch=launch, input_names=json.dumps([d.name for d in spec.inputs]),
        rows=rows if not isinstance(rows, str) else None, rows_status=repr(True if not isinstance(rows, str) else rows),
        read_names=[f"read{gi}" for gi in range(len(n.reads))],
        skip_read=int(next(iter(skips))[4:]) if skip_core else None, skip_core=skip_core["name"] if skip_core else None,
        skip_terms=repr(skips if skip_core else {}),
        value_scale=scaled_core["value_scale"] if scaled_core and not isinstance(rows, str) and rows["omittable"]
        else None, value_scale_index=scaled_core["index"] if scaled_core else None,
        fold_b=fold_b if fold_b and not isinstance(rows, str) and rows["omittable"] == fold_b["b"] else None,
        lets=lets, epilogue=epilogue, prologue_outputs=prologue_outputs, epilogue_lets=epilogue_lets,
        epilogue_reads=epilogue_reads, epilogue_head=any(re.search(r"\bhead\b", code) for code in codes),
        prologue_ops=prologue_ops(spec, n),
        prologue_head=any(re.search(r"\bhead\b", code)
                          for code in [c for _, c in lets] + [t[1] for c in cores for t in c["tensors"]]),
        epilogue_trivial=all(re.fullmatch(r"read\d+", code) for code in codes), doc=f"chunkwise op generated from {Path(spec.file).name}",
        sp_info=repr(sp_info(n)),
    )
    return _template().render(**ctx)


def _state_read_coefficients(reads) -> list:
    """(c, y) per read of one state (read_coefficient), or (None, x) for all where their constants differ."""
    splits = [read_coefficient(r.x) for r in reads]
    return splits if len({None if c is None else structural_key(c) for c, _ in splits}) <= 1 else [
        (None, r.x) for r in reads]


def kernel_scored_reads(n: Normalized, kernelized: dict[int, PairScore] | None = None) -> dict[int, PairScore | str]:
    """{read: its PairScore where the Triton engine's read kernels make its pair scores from the base vectors, else
    why not} for the reads whose scores kernelize (lindsl.passes.kernelize; kernelized: kernelized_reads(n) where the
    caller has it): not where the state has memories or a value gate (the engine's per-dimension read paths), or its
    reads' constant factor is split off (the kernel reads y, not c y), or above KERNEL_SCORE_DEGREE."""
    out: dict[int, PairScore | str] = {}
    for i, score in (kernelized_reads(n) if kernelized is None else kernelized).items():
        r = n.reads[i]
        st = next(s for s in n.spec.states if s.name == r.state)
        split = any(c is not None for c, _ in _state_read_coefficients([x for x in n.reads if x.state == r.state]))
        out[i] = ("the state has memories" if st.ty.mem else
                  "the state has a value gate" if n.canon[r.state].value_gate is not None else
                  "the reads' constant factor is split off" if split else
                  f"degree above {KERNEL_SCORE_DEGREE}" if score.degree > KERNEL_SCORE_DEGREE else score)
    return out


def _kernel_scores(reads, taken, emit) -> dict[int, list[str]]:
    """{local read: its coefficients' code, degree 0 up} for a state's reads (global index, Read) whose pair
    scores the read kernel makes from base vectors (kernel_scored_reads' taken ones)."""
    out = {}
    for li, (gi, _) in enumerate(reads):
        score = taken.get(gi)
        if isinstance(score, PairScore):
            by_degree = dict(score.coefs)
            out[li] = [emit(by_degree[d]) if d in by_degree else "0.0" for d in range(score.degree + 1)]
    return out


def _kernel_arg_code(p: str, kernel: dict[int, list[str]]) -> str | None:
    """The source of chunk_scan_triton's kernel_scores for a state's reads (_kernel_scores), or None."""
    if not kernel:
        return None
    entries = []
    for li, coefs in kernel.items():
        values = "".join(f"float({code}), " for code in coefs)
        entries.append(f"{li}: ({p}xb{li}.detach(), {p}kb{li}.detach(), ({values}))")
    return "{" + ", ".join(entries) + "}"


def _launch_args(spec: Spec, shifted, indent: int) -> tuple[str, str]:
    """Source of a generated kernel's leading arguments (every input and param, the options, the carried tokens of
    the shifted inputs) and of its dims' and shifts' constexprs, wrapped at 116 columns with indent spaces."""
    lead = ([f"args[{json.dumps(d.name)}].contiguous()" for d in spec.inputs]
            + [f"opts[{json.dumps(safe(o))}]" for o in spec.options]
            + [f"dummy if prev.get({json.dumps(x)}) is None else prev[{json.dumps(x)}].contiguous()"
               for x, _ in shifted])
    consts = ([f"DIM_{i}=sizes[{json.dumps(d)}], F_{i}=_p2(sizes[{json.dumps(d)}])" for i, d in enumerate(spec.dims)]
              + [f"HAS_PREV_{p}=prev.get({json.dumps(x)}) is not None, NP_{p}={k}" for p, (x, k) in enumerate(shifted)])
    return _wrap(lead, indent), _wrap(consts, indent)


def _wrap(items: list[str], indent: int, width: int = 116) -> str:
    """items joined by ', ' (with a trailing comma), new lines of indent spaces where a line would pass width."""
    lines, cur = [], ""
    for x in items:
        if cur and indent + len(cur) + len(x) + 2 > width:
            lines.append(cur.rstrip())
            cur = ""
        cur += x + ", "
    lines.append(cur.rstrip())
    return ("\n" + " " * indent).join(line for line in lines if line)


def _rows_kernels(spec: Spec, n: Normalized, row_tensors, shifts, trivial_epilogue, omit=None) -> dict | str:
    """The prologue and epilogue as per-row Triton kernels for chunked calls without gradients (codegen.rows): the
    kernels' sources and what the module's launchers need, or why not. omit: a tensor the prologue kernel may leave
    unwritten (its OMIT; the scan's value_scale, or the delta rule's fold b = -s k' in calls without gradients)."""
    if any(routed for *_, routed in row_tensors):
        return "a routed state"
    cum = _prologue_cum(spec, n)
    pro = prologue_kernel(spec, [(name, e, vector, raw) for name, e, vector, raw, *_ in row_tensors], shifts,
                          gate=cum["gate"] if cum else None, omit=omit)
    if isinstance(pro, str):
        return pro
    epi = None
    if not trivial_epilogue:
        epi = epilogue_kernel(spec, n.epilogue, [spec.state(r.state).value_dim for r in n.reads], shifts)
        if isinstance(epi, str):
            return epi
    dims_of = dict(pro.writes)
    roles = {d.name: d.role for d in spec.inputs}
    tensors = [dict(name=name, vector=vector, raw=raw, index=si, core=core, dims=dims_of.get(name),
                    passed=pro.passed.get(name), keep=roles.get(pro.passed.get(name)) in ("real", "unitnorm"),
                    ones=name in pro.ones)
               for name, _, vector, raw, si, core, _ in row_tensors]
    source = pro.source + ("\n\n" + epi.source if epi is not None else "")
    grad = _rows_backward(spec, pro, epi, shifts)
    if not isinstance(grad, str):
        source += "\n\n" + grad["source"] + ("\n\n" + grad["source_merged"] if grad.get("merged") else "")
    return dict(source=_indent(source), tensors=tensors, written="".join(name + ", " for name, _ in pro.writes),
                omittable=omit if any(name == omit for name, _ in pro.writes) else None,
                cum=cum if pro.gated and pro.writes else None,
                outputs=[dims for _, dims in epi.writes] if epi is not None else None, shifted=bool(shifts),
                grad=grad if not isinstance(grad, str) else None, grad_status=repr(True if not isinstance(grad, str)
                                                                                   else grad))


def _prologue_cum(spec: Spec, n: Normalized) -> dict | None:
    """Where the rows prologue also writes the key gate's sums within the forward scan's chunks (one launch of
    _chunk_cumsum_kernel fewer per forward): one matrix state with a key gate and no value gate. Its gate tensor's
    name and the sizes the chunk follows (chunk_for's), whether the scan needs the exclusive sums (rank-one factors
    or a read before the update), or None."""
    if len(spec.states) != 1 or spec.states[0].ty.kind != "mat" or spec.states[0].ty.mem:
        return None
    st = spec.states[0]
    c = n.canon[st.name]
    if c.key_gate is None or c.value_gate is not None:
        return None
    before = any(r.timing == "before" for r in n.reads if r.state == st.name)
    return dict(gate="c0_gk", key_vector=c.key_gate.ty.kind != "scalar", R=len(c.pairs), P=len(c.inputs),
                K=st.key_dim, V=st.value_dim, exclusive=bool(c.pairs) or before)


def _rows_backward(spec: Spec, pro, epi, shifts) -> dict | str:
    """The rows kernels' backward kernels (codegen.rows.backward_kernel) and what the module's autograd functions
    need: per kernel, each cotangent it writes as (kind, index of the input or read, dims) and each it passes on
    (the index, the cotangent's); the aliases: the inputs both kernels' backwards write a gradient of (Mamba-2's v,
    in v0 = dt v and in D v), which the prologue's autograd function returns as outputs for the epilogue to take,
    so that the prologue's backward kernel adds the epilogue's part (its cotangent) into the one gradient it writes
    (autograd would add the two: one more pass and buffer) [(input index, name)]; or why not."""
    out = {"source": "", "prologue": None, "epilogue": None, "prologue_keep": None, "epilogue_keep": None,
           "prologue_passed": [], "epilogue_passed": [], "aliases": [], "passes": [], "merged": None,
           "merged_passed": [], "epilogue_reads_passed": [], "carriers": [], "source_merged": ""}
    names = [d.name for d in spec.inputs]
    bwds = {}
    pro_values = list(pro.values)
    for part, fwd, name in [("epilogue", epi, "_epilogue_rows_bwd_kernel"),
                            ("prologue", pro, "_prologue_rows_bwd_kernel")]:  # the epilogue's first: the aliases
        if part == "prologue":
            out["passes"] = _rows_passes(spec, pro, bwds.get("epilogue"), shifts, names)
            pro_values += [(f"pass:{leaf}", Var(leaf, "input", ty=spec.input(leaf).ty)) for _, leaf in out["passes"]]
        values = list(pro_values) if part == "prologue" else list(fwd.values) if fwd is not None else []
        if not values:
            continue
        if part == "prologue" and "epilogue" in bwds:
            written = {leaf for kind, leaf, _ in bwds["epilogue"].grads if kind == "input"}
            plain = backward_kernel(spec, name, values, shifts, fwd.reads)
            shared = [] if isinstance(plain, str) else [leaf for kind, leaf, _ in plain.grads
                                                        if kind == "input" and leaf in written]
            out["aliases"] = [(names.index(leaf), leaf) for leaf in sorted(shared, key=names.index)]
            values += [(f"alias:{leaf}", Var(leaf, "input", ty=spec.input(leaf).ty)) for _, leaf in out["aliases"]]
        bwd = bwds[part] = backward_kernel(spec, name, values, shifts, fwd.reads)
        if isinstance(bwd, str):
            return f"the {part}'s backward: {bwd}"
        out["source"] += ("\n\n" if out["source"] else "") + bwd.source
        out[part], out[part + "_passed"] = _grad_entries(bwd, names)
        out[part + "_keep"] = [True] * len(names) + bwd.reads_used  # the tensors its autograd function keeps
    out.update(_merged_rows_backward(spec, pro_values, epi, bwds, shifts, names) or {})
    return out


def _rows_passes(spec: Spec, pro, epi_b, shifts, names: list) -> list:
    """The inputs a core takes as they stand (the prologue passes them through) whose gradient a rows backward
    writes a part of too (the prologue's values', HGRN2's k0 = 1 - exp(g) and KDA's decayed a0 of the gate they pass
    through; the epilogue's, RWKV-6's r, k, v in its bonus term): the prologue's autograd function returns each as
    an output ("pass:<input>", its value the input itself), so that the cores' part of its gradient reaches the
    prologue's backward kernel as that output's cotangent and is added there (autograd would add the two: a launch,
    two reads and a write of the input's size) [(input index, name)]."""
    if shifts:
        return []  # (no rows backward: backward_kernel says why)
    written = set()
    if pro.values:
        try:
            own = vector_jacobian([(e, Var(f"ct{j}", "read", ty=e.ty)) for j, (_, e) in enumerate(pro.values)],
                                  dict(spec.lets))
        except NotDifferentiable:
            return []
        written |= {leaf for kind, leaf in own if kind == "input"}
    if epi_b is not None:
        written |= {leaf for kind, leaf, *_ in epi_b.grads + epi_b.passed if kind == "input"}
    leaves = {leaf for leaf in pro.passed.values() if leaf in written}
    return [(names.index(leaf), leaf) for leaf in sorted(leaves, key=names.index)]


def _grad_entries(bwd, names: list) -> tuple[list, list]:
    """A rows backward's (written cotangents, passed ones) as the module's templates take them: each written one as
    (kind, pos: the input's or read's index among the autograd function's tensors, dims, and for a param its group
    and slot), each passed one as (pos, the value's index whose cotangent it is). The params of one shape (dims) form
    a group: the kernel writes their per-row parts into one buffer, summed over the tokens in one reduction and cast
    once (_param_grads: two eager operations per group instead of two per param)."""
    def pos(kind, leaf):
        return names.index(leaf) if kind != "read" else len(names) + int(leaf[4:])
    entries = [dict(kind=kind, pos=pos(kind, leaf), dims=dims, group=None, slot=None) for kind, leaf, dims in bwd.grads]
    groups = {}
    for e in entries:
        if e["kind"] == "param":
            members = groups.setdefault(tuple(e["dims"]), [])
            e["group"], e["slot"] = list(groups).index(tuple(e["dims"])), len(members)
            members.append(e)
    return entries, [dict(pos=pos(kind, leaf), ct=j) for kind, leaf, j in bwd.passed]


def _merged_rows_backward(spec: Spec, pro_values: list, epi, bwds: dict, shifts, names: list) -> dict | None:
    """Both rows kernels' input and param cotangents from one backward kernel after the cores' (the prologue's,
    with the epilogue's outputs among its values), where the epilogue's backward writes no read's cotangent (each
    is an output's as it stands: Mamba-2's S^T q + D v) and its other cotangents take no read: the epilogue's
    backward then launches nothing and hands the outputs' cotangents to the prologue's autograd function through
    carriers (zero-stride outputs of it shaped as the epilogue's outputs, which the epilogue takes). The merged
    kernel's entries and passed cotangents, the epilogue's passed read cotangents and the carriers' dims; or None."""
    epi_b, pro_b = bwds.get("epilogue"), bwds.get("prologue")
    if epi_b is None or pro_b is None or any(kind == "read" for kind, _, _ in epi_b.grads):
        return None
    merged = backward_kernel(spec, "_merged_rows_bwd_kernel", list(pro_values) + list(epi.values), shifts,
                             drop_reads=True)
    if isinstance(merged, str):
        return None
    entries, passed = _grad_entries(merged, names)
    return dict(source_merged=merged.source, merged=entries, merged_passed=passed,
                epilogue_reads_passed=[e for e in _grad_entries(epi_b, names)[1] if e["pos"] >= len(names)],
                carriers=[dims for _, dims in epi.writes])


def prologue_ops(spec: Spec, n: Normalized) -> int:
    """How many elementwise operations the prologue evaluates (distinct non-constant operation nodes of the lets, the
    canonical tensors and the reads' vectors; an l2norm counts five: its product, sum, addition, rsqrt and scaling),
    each one kernel launch when the prologue runs eagerly."""
    seen = set()
    for e in _prologue_exprs(spec, n):
        for x in e.walk():
            if isinstance(x, (Binary, Unary, Call, MatMul)) and not is_const(x):
                seen.add((repr(x), 5 if isinstance(x, Call) and x.fn == "l2norm" else 1))
    return sum(w for _, w in seen)


def read_coefficient(x: Expr) -> tuple[Expr | None, Expr]:
    """(c, y) for a read's vector x = c * y with c a constant scalar (numbers, options, dimensions: a spec's
    S^T (scale * q)), which the kernels apply to the result instead of a pass making c * y; else (None, x)."""
    c, y = split_scale(x)
    if c is None or not is_const(c) or y.ty != x.ty:
        return None, x
    return c, y


def _scaled_input(e: Expr, ty) -> tuple[Var, Var] | None:
    """(c, y) where e is c y or y c with y an input of type ty at the token and c a variable at the token (what a
    caller then asks of c: a scalar input, a param); None otherwise."""
    if not (isinstance(e, Binary) and e.op == "*"):
        return None
    for c, y in ((e.l, e.r), (e.r, e.l)):
        if (isinstance(y, Var) and y.kind == "input" and y.shift == 0 and y.ty == ty and not ty.mem
                and isinstance(c, Var) and c.shift == 0):
            return c, y
    return None


def _scaled_value(c) -> tuple[str, str] | None:
    """(y, s) where a normalized recurrence's one input pair has the value v' = s y (either order: s a scalar input,
    y a vector input, both at the token), no rank-one factors and no per-dimension or value gate (Mamba-2's dt v):
    the Triton scan may then take y and weigh its rows by s (chunk_scan_triton's value_scale). None otherwise."""
    if c.pairs or len(c.inputs) != 1 or c.value_gate is not None:
        return None
    if c.key_gate is not None and c.key_gate.ty.kind != "scalar":
        return None
    v = c.inputs[0].v
    term = _scaled_input(v, v.ty) if v is not None else None
    if term is None or term[0].kind != "input" or term[0].ty.kind != "scalar" or term[0].ty.mem:
        return None
    return term[1].name, term[0].name


def _epilogue_skips(epilogue) -> dict[str, tuple[str, str, bool]]:
    """{read: (y, c, per_token)} for an epilogue of one output o = read + c y (either order): y an input at the token
    over the read's dim, c a param (one per head or over that dim) or a scalar input at the token (per_token), the
    read used nowhere else. The scan's read kernels then store read + c y, the output itself, and the epilogue
    launches nothing (its backward is unchanged: o is linear in the read, whose cotangent is o's)."""
    if len(epilogue) != 1:
        return {}
    _, e = epilogue[0]
    uses = [v.name for v in e.walk() if isinstance(v, Var) and v.kind == "read"]
    if not (isinstance(e, Binary) and e.op == "+") or len(uses) != 1:
        return {}
    for read, term in ((e.l, e.r), (e.r, e.l)):
        if not (isinstance(read, Var) and read.kind == "read" and read.shift == 0 and read.ty == e.ty
                and e.ty.kind == "vec"):
            continue
        c, y = _scaled_input(term, e.ty) or (None, None)
        scalar = c is not None and c.ty.kind == "scalar" and not c.ty.mem
        if c is not None and c.kind == "param" and (scalar or c.ty == e.ty):
            return {read.name: (y.name, c.name, False)}
        if c is not None and c.kind == "input" and scalar:
            return {read.name: (y.name, c.name, True)}
    return {}


def _epilogue_reads(epilogue) -> tuple[set[str], set[str]]:
    """(direct, added) reads of the epilogue, each used nowhere else: direct, an output as it stands (stored in the
    input dtype); added, one added or subtracted term of an output of its own type (o = +-read + rest): its
    gradient is +- the output's, so it is exact in the output's dtype."""
    def terms(e):
        if isinstance(e, Binary) and e.op in ("+", "-"):
            yield from terms(e.l)
            yield from terms(e.r)
        elif isinstance(e, Unary) and e.op == "neg":
            yield from terms(e.x)
        else:
            yield e
    uses = [v.name for _, e in epilogue for v in e.walk() if isinstance(v, Var) and v.kind == "read"]

    def alone(t, e):
        return isinstance(t, Var) and t.kind == "read" and t.shift == 0 and t.ty == e.ty and uses.count(t.name) == 1
    direct = {e.name for _, e in epilogue if alone(e, e)}
    return direct, {t.name for _, e in epilogue for t in terms(e) if alone(t, e)}


def _all_exprs(spec: Spec, n: Normalized):
    yield from _prologue_exprs(spec, n)
    for _, e in n.epilogue:
        yield e


def _prologue_exprs(spec: Spec, n: Normalized):
    """The expressions the prologue evaluates: the lets, every state's canonical tensors and the reads' vectors."""
    yield from (e for _, e in spec.lets)
    for c in n.canon.values():
        for e in (c.key_gate, c.value_gate):
            if e is not None:
                yield e
        for p in c.pairs:
            yield p.b
            yield p.a
        for r in c.inputs:
            yield r.k
            if r.v is not None:
                yield r.v
    for r in n.reads:
        yield r.x


def _gauge_sum(terms, vec_code: dict, grad_code: dict) -> str | None:
    """Python source of the sum of sign * vector * gradient over gauge terms (shifted ones through shift_next)."""
    parts = []
    for g in terms:
        term = f"{vec_code[g.vec]} * {grad_code.get(g.grad, g.grad)}"
        parts.append(("- " if g.sign < 0 else "+ ") + (f"shift_next({term})" if g.shift else term))
    if not parts:
        return None
    text = " ".join(parts)
    return "(" + (text[2:] if text.startswith("+ ") else text) + ")"


def _gradient_sums(plan, vec_code: dict, grad_code: dict) -> dict:
    """The gate gradients' gauge sums split by when their operands exist in the backward: 'early' terms need only
    the adjoint scan's reads (and the cotangents), 'late' ones the forward rescan's reads. The early part is summed
    before the adjoint reads' gradients are cast to their inputs' dtype, in the same compiled region."""
    late = {r[0] for r in plan.forward_reads}
    red = ".sum(-1)" if plan.key_gate == "scalar" else ""
    early_k = _gauge_sum([g for g in plan.key_gauge if g.grad not in late], vec_code, grad_code)
    late_k = _gauge_sum([g for g in plan.key_gauge if g.grad in late], vec_code, grad_code)
    if any(g.grad in late for g in plan.value_gauge):
        raise AssertionError("a value-gate gauge term reads a forward rescan's result")
    return dict(
        key_early=early_k + red if early_k else None,
        key_total=" + ".join(x for x in (late_k + red if late_k else None, "dG_early" if early_k else None) if x)
        or "torch.zeros_like(gk, dtype=ST.dtype)",
        value=_gauge_sum(plan.value_gauge, vec_code, grad_code))


# gauge terms one launch of the gate gradient's kernel takes (triton_engine.GAUGE_TERMS; the generator imports no Triton)
GATE_GRAD_TERMS = 4


def _gauge_kernel_terms(plan, vec_code: dict, grad_code: dict, casts: dict) -> dict:
    """The key gate's gauge sums as gauge_sum_triton's terms, split as _gradient_sums's (early, late): per part the
    Python source of its term list [(sign, vec, res, shift, cast dtype or None)] (None: no terms) and of the names
    its returned results are unpacked into (a result cast by the pass where casts, {result: dtype source}, names it
    and it is a plain name; '_' else)."""
    late = {r[0] for r in plan.forward_reads}

    def part(terms):
        if not terms:
            return None, None
        code, names = [], []
        for g in terms:
            res = grad_code.get(g.grad, g.grad)
            cast = casts.get(g.grad) if res == g.grad else None
            code.append(f"({g.sign}, {vec_code[g.vec]}, {res}, {bool(g.shift)}, {cast})")
            names.append(g.grad if cast else "_")
        return "[" + ", ".join(code) + "]", ", ".join(names) + ","
    early, early_names = part([g for g in plan.key_gauge if g.grad not in late])
    late_gauge = [g for g in plan.key_gauge if g.grad in late]
    late_terms, late_names = part(late_gauge)
    # the late part summed by the gate gradient's own kernel (one launch: gauge_gate_grad_triton)
    fold = bool(late_gauge) and len(late_gauge) <= GATE_GRAD_TERMS and plan.key_gate == "vector"
    return dict(early=early, early_names=early_names, late=late_terms, late_names=late_names,
                sum_d=plan.key_gate == "scalar", fold=fold)


def _gauged_read_dtypes(plan, results, dtype_code) -> list[str]:
    """The dtype each read of a backward with the gate's gauge terms in the kernels stores its result in: its input's
    for every input gradient but a scaled read's source (a later read takes it in fp32), else the working dtype."""
    kept_fp32 = {src for _, src, _ in plan.scaled_reads}
    return [dtype_code(plan.grad_of[r]) if r in plan.grad_of and r not in kept_fp32 else "ST.dtype" for r in results]


def _read_gauges(plan, vec_code: dict, dtype_code) -> dict | None:
    """The scalar key gate's gauge terms made inside the reads' kernels (chunk_scan_triton's fourth read element):
    per adjoint and forward read the Python source of its (vector, sign) or None, each read's dtype
    (_gauged_read_dtypes) and the sums of the kernels' per-token terms (key_early, key_total, as _gradient_sums's).
    None where a term's result is not one read's, or a read carries two terms, or the gate is not one scalar gate
    without a value gate."""
    if plan.key_gate == "vector" and not plan.value_gate and plan.key_gauge:
        return _gated_read_gauges(plan, vec_code, dtype_code)
    if plan.key_gate != "scalar" or plan.value_gate or not plan.key_gauge:
        return None
    adjoint = [r[0] for r in plan.adjoint_reads]
    forward = [r[0] for r in plan.forward_reads]
    term = _key_terms_by_read(plan, adjoint + forward)
    if term is None:
        return None

    def per_read(results):
        return ([f"({vec_code[term[r].vec]}, {term[r].sign})" if r in term else None for r in results],
                _gauged_read_dtypes(plan, results, dtype_code))

    def parts(results, name):
        return [(f"{name}[{i}]", term[r].shift) for i, r in enumerate(results) if r in term]

    def total(terms):
        return " + ".join(f"shift_next({x})" if shift else x for x, shift in terms) or None

    adj_vecs, adj_out = per_read(adjoint)
    fwd_vecs, fwd_out = per_read(forward)
    early_parts, late_parts = parts(adjoint, "g_adj"), parts(forward, "g_fwd")
    early = total(early_parts)
    addends = late_parts + ([("dG_early", False)] if early_parts else [])
    # the gate gradient's kernel adds up to two unshifted per-token sums itself (gate_grad_triton's dG as a pair)
    plain = len(addends) <= 2 and not any(shift for _, shift in addends)
    return dict(vector=False, adj=adj_vecs, adj_out=adj_out, fwd=fwd_vecs, fwd_out=fwd_out, key_early=early,
                key_total=total(addends), key_addends="(" + "".join(x + ", " for x, _ in addends) + ")" if plain
                else None)


def _key_terms_by_read(plan, results: list[str]) -> dict | None:
    """{read result: its key-gate gauge term} where every term takes a different one of results (else None)."""
    grads = [g.grad for g in plan.key_gauge]
    if len(set(grads)) != len(grads) or not set(grads) <= set(results):
        return None
    return {g.grad: g for g in plan.key_gauge}


def _flip_read(plan) -> int | None:
    """The adjoint read whose pair scores are the forward read's, transposed and flipped in time (one input, no
    rank-one factor, one read after the update, a per-dimension key gate and no value gate: dv_t = dS_t^T k_t
    against the adjoint's sources x, whose scores k_s . x_t e^{G_t - G_s} are the forward's x_t . k_s e^{..}): its
    index among the adjoint reads, or None."""
    if (plan.P, plan.R, plan.key_gate, plan.value_gate) != (1, 0, "vector", False) or len(plan.reads) != 1:
        return None
    results = [r[0] for r in plan.adjoint_reads]
    if plan.reads[0][1] != "after" or "dv0" not in results:
        return None
    return results.index("dv0")


def _flip_rescan(plan) -> tuple[int, int] | None:
    """The adjoint read and the forward rescan's read with one pair of scores between them, transposed and flipped
    in time (_flip_read's specs): the rescan's dx_t = S_t dO_t scores dO_t . v_s against the sources v, the
    adjoint's dk_s = dS_s v_s scores v_s . dO_t against its sources dO, both with the gate on the returned key side
    only. (index among the adjoint reads, index among the forward reads), or None."""
    if _flip_read(plan) is None or plan.adjoint_inputs[0][2]:
        return None
    adjoint = [(r[0], r[1]) for r in plan.adjoint_reads]
    rescan = [(r[1], r[2], r[3]) for r in plan.forward_reads]
    if ("dk0", "v") not in adjoint or ("v", "after", "dO0") not in rescan:
        return None
    return adjoint.index(("dk0", "v")), rescan.index(("v", "after", "dO0"))


def _gated_read_gauges(plan, vec_code: dict, dtype_code) -> dict | None:
    """The per-dimension key gate's gauge terms made by the gated read-outs (chunk_scan_triton's fifth-element form
    (vec, sign, g, acc, shift)): every term summed per element into one fp32 buffer, g_key, in the order the reads
    run (the adjoint's, then the forward rescan's), the first written and the others added. Per read the Python
    source of (vector, sign, acc, shift) or None, each read's dtype (_gauged_read_dtypes) and the buffer's shape
    source. None where a term's result is not one read's or the first term is shifted (it would leave the last token
    unwritten)."""
    order = [r[0] for r in plan.adjoint_reads] + [r[0] for r in plan.forward_reads]
    term = _key_terms_by_read(plan, order)
    if term is None:
        return None
    first = next(r for r in order if r in term)
    if term[first].shift:
        return None

    def per_read(results):
        return ([f"({vec_code[term[r].vec]}, {term[r].sign}, {r != first}, {bool(term[r].shift)})" if r in term
                 else None for r in results],
                _gauged_read_dtypes(plan, results, dtype_code))

    adj_vecs, adj_out = per_read([r[0] for r in plan.adjoint_reads])
    fwd_vecs, fwd_out = per_read([r[0] for r in plan.forward_reads])
    return dict(vector=True, adj=adj_vecs, adj_out=adj_out, fwd=fwd_vecs, fwd_out=fwd_out, key_early="None",
                key_total="g_key", key_addends=None, buffer=vec_code[term[first].vec])


def _unpack(names: list[str]) -> str:
    if not names:
        return "_"
    return ", ".join(names) + ("," if len(names) == 1 else "")


def _indent(src: str) -> str:
    return "\n".join(("    " + line) if line.strip() else "" for line in src.splitlines())
