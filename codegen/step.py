"""The fused decode step: one Triton kernel per spec that evaluates the prologue, updates the state and evaluates the
epilogue for each token, reading the op's inputs as given (FlexAttention's model: the spec's per-token expressions
inlined into one template, templates/step_kernel.py.j2). One launch per step, where the engine's step runs the
prologue and the epilogue as PyTorch operations around its recurrent kernel.

Covered: one matrix state without a memory axis, any key gate, value gate, rank-one pairs and inputs, reads before
or after the update, token shifts, and every builtin but topk; beside it any number of vector states (normalizers
such as z_t = z_(t-1) + phi(k_t), read as z^T phi(q)), each program keeping its own copy of them. Anything else keeps
the engine's step, and the module says why (FUSED_STEP)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import jinja2

from lindsl.passes.normalize import Normalized

from .triton_emit import Axis, NotFusable, TritonEmitter, ctx_of, vector_type

KEY, VALUE = Axis("kk", "k_ok"), Axis("vv", "v_ok")


@dataclass
class FusedStep:
    """What the module needs to render and launch the fused step kernel."""
    kernel: str  # the @triton.jit source, unindented
    state: str
    key_dim: str
    value_dim: str
    inputs: list[str]  # every declared input and param, in declaration order (the kernel's leading pointers)
    options: list[str]
    shifted: list[tuple[str, int]]  # (input, largest shift), in SHIFTS' order
    outputs: list[tuple[str, list[str]]] = field(default_factory=list)  # (name, dims after [B, T, H])
    index: int = 0  # the matrix state's among the spec's states
    vector_states: list[tuple[int, str, str]] = field(default_factory=list)  # (index, name, key dim) of the others


class KernelLeaves:
    """Sources of the leaves of the expressions: loads of inputs (current or earlier tokens) and params, options.
    The kernel names its token's row, head, time and sequence row, h, t, b; with rows (a block of rows per program,
    codegen.rows) those are [ROWS] and a vector's loads take their columns rowc, hc, tc, bc, and the rows' mask."""

    def __init__(self, spec, shifted: dict[str, int], rows: bool = False):
        self.spec, self.shifted, self.rows = spec, shifted, rows

    def size(self, decl) -> str:
        return f"DIM_{self.spec.dims.index(decl.ty.dims[0])}" if decl.ty.kind == "vec" else "1"

    def _names(self, idx, mask):
        """(row, h, t, b, mask) for a vector load (idx given) or a scalar one."""
        c = "c" if self.rows and idx else ""
        rows_mask = ("rmc" if idx else "rm") if self.rows else None
        mask = " & ".join(m for m in (mask, rows_mask) if m) or None
        return f"row{c}", f"h{c}", f"t{c}", f"b{c}", mask

    def input(self, i, decl, idx, mask, shift) -> str:
        size = self.size(decl)
        off = f" + {idx}" if idx else ""
        row, h, t, b, mask = self._names(idx, mask)
        if not shift:
            m = f", mask={mask}, other=0.0" if mask else ""
            return f"tl.load(in_{i} + {row} * {size}{off}{m}).to(tl.float32)"
        p = list(self.shifted).index(decl.name)
        cur = f"({t} >= {shift})" + (f" & {mask}" if mask else "")
        past = f"({t} < {shift}) & HAS_PREV_{p}" + (f" & {mask}" if mask else "")
        return (f"tl.load(in_{i} + ({row} - {shift} * H) * {size}{off}, mask={cur}, other=0.0).to(tl.float32) + "
                f"tl.load(prev_{p} + (({b} * NP_{p} + NP_{p} + {t} - {shift}) * H + {h}) * {size}{off}, "
                f"mask={past}, other=0.0).to(tl.float32)")

    def param(self, i, decl, idx, mask) -> str:
        _, h, _, _, mask = self._names(idx, mask)
        m = f", mask={mask}, other=0.0" if mask else ""
        if idx:
            return f"tl.load(in_{i} + {h} * {self.size(decl)} + {idx}{m}).to(tl.float32)"
        return f"tl.load(in_{i} + {h}{m}).to(tl.float32)"

    @staticmethod
    def option(j) -> str:
        return f"opt_{j}"

    @staticmethod
    def dim(j) -> str:
        return f"(DIM_{j} * 1.0)"


def full_axes(spec) -> dict[str, Axis]:
    """Each dim's whole range in a generated kernel: f<i> = tl.arange(0, F_<i>), in range where fm<i>."""
    return {d: Axis(f"f{i}", f"fm{i}") for i, d in enumerate(spec.dims)}


def leading_params(spec, shifted) -> list[str]:
    """A generated kernel's leading parameters, in the order the module's launchers pass them (every input and param,
    the options, the carried tokens of each shifted input)."""
    return ([f"in_{i}" for i in range(len(spec.inputs))] + [f"opt_{j}" for j in range(len(spec.options))]
            + [f"prev_{p}" for p in range(len(shifted))])


def constexpr_params(spec, shifted) -> str:
    """A generated kernel's compile-time parameters: each dim's size and block, each shifted input's carried tokens."""
    return ", ".join([f"DIM_{d}: tl.constexpr, F_{d}: tl.constexpr" for d in range(len(spec.dims))]
                     + [f"HAS_PREV_{p}: tl.constexpr, NP_{p}: tl.constexpr" for p in range(len(shifted))])


def kernel_template(name: str) -> jinja2.Template:
    """A kernel template of codegen/templates (the step's, the rows kernels')."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("lindsl.codegen", "templates"), trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return env.get_template(name)


def fused_step(n: Normalized, shifts: dict[str, int]) -> FusedStep | str:
    """The fused step of a normalized spec, or why there is none. shifts: SHIFTS (input -> its largest shift)."""
    spec = n.spec
    if any(s.ty.mem for s in spec.states):
        return "a routed state"
    mats = [s for s in spec.states if s.ty.kind == "mat"]
    if len(mats) != 1:
        return "more than one matrix state" if mats else "no matrix state (vector states only)"
    st = mats[0]
    c = n.canon[st.name]
    full = full_axes(spec)
    em = TritonEmitter(spec, full, KernelLeaves(spec, shifts))
    kctx, vctx = ctx_of(**{st.key_dim: KEY}), ctx_of(**{st.value_dim: VALUE})
    try:
        def vec(e, side):
            """A vector the state takes, zero past its dim's size."""
            ctx, axis = (kctx, KEY) if side == "k" else (vctx, VALUE)
            return em.emit(f"tl.where({axis.mask}, {em.value(e, ctx)}, 0.0)")

        gk = gv = None
        if c.key_gate is not None:
            gk = vec(c.key_gate, "k") if c.key_gate.ty.kind != "scalar" else em.scalar_arg(c.key_gate, kctx)
        if c.value_gate is not None:
            gv = vec(c.value_gate, "v")
        pairs = [(vec(p.b, "k"), vec(p.a, "k")) for p in c.pairs]
        if any(r.v is None for r in c.inputs):
            return "a vector state"
        terms = [(vec(r.k, "k"), vec(r.v, "v")) for r in c.inputs]
        reads = [(gi, r, vec(r.x, "k")) for gi, r in enumerate(n.reads) if r.state == st.name]
        vstates = [_vector_state(em, n, si, z, KEY if z.key_dim == st.key_dim else full[z.key_dim])
                   for si, z in enumerate(spec.states) if z is not st]
        prologue = list(em.lines)
        em.reads = {f"read{gi}": (f"r{gi}", st.value_dim, VALUE) for gi, _, _ in reads}
        em.reads.update({f"read{gi}": (f"r{gi}", None, None) for z in vstates for gi, _, _ in z["reads"]})
        outputs = []
        for name, e in n.epilogue:
            dim = vector_type(e.ty)
            if e.ty.kind not in ("scalar", "vec", "row"):
                return f"an output of type {e.ty}"
            ctx = vctx if dim == st.value_dim else (ctx_of(**{dim: full[dim]}) if dim else ())
            outputs.append((name, dim, em.value(e, ctx)))
    except NotFusable as why:
        return str(why)
    epilogue = em.lines[len(prologue):]
    stores = []
    for j, (name, dim, code) in enumerate(outputs):
        value = code if re.fullmatch(r"[er]\d+", code) else f"({code} + fzero)"  # a constant output: a tensor
        if dim == st.value_dim:
            idx, mask, size = VALUE.index, VALUE.mask, f"DIM_{spec.dims.index(dim)}"
        elif dim:
            idx, mask, size = full[dim].index, f"{full[dim].mask} & (vb == 0)", f"DIM_{spec.dims.index(dim)}"
        else:
            idx, mask, size = None, "vb == 0", "1"
        ptr = f"out_{j} + row * {size}" + (f" + {idx}" if idx else "")
        stores.append(f"tl.store({ptr}, ({value}).to(out_{j}.dtype.element_ty), mask={mask})")
    shifted = list(shifts.items())
    kernel = kernel_template("step_kernel.py.j2").render(
        leading=leading_params(spec, shifted), outs=[f"out_{j}" for j in range(len(outputs))],
        dims=list(range(len(spec.dims))), key=spec.dims.index(st.key_dim), value=spec.dims.index(st.value_dim),
        prologue=prologue, gk=gk, gk_vector=c.key_gate is not None and c.key_gate.ty.kind != "scalar", gv=gv,
        pairs=pairs, terms=terms, reads=[(gi, r.timing, x) for gi, r, x in reads], epilogue=epilogue,
        stores=stores, constexprs=constexpr_params(spec, shifted), vstates=vstates)
    return FusedStep(kernel, st.name, st.key_dim, st.value_dim, [d.name for d in spec.inputs], list(spec.options),
                     shifted, [(name, [dim] if dim else []) for name, dim, _ in outputs], spec.states.index(st),
                     [(z["i"], z["name"], z["key_dim"]) for z in vstates])


def _vector_state(em: TritonEmitter, n: Normalized, si: int, z, axis: Axis) -> dict:
    """A vector state's part of the fused step over axis, its key dim's whole range (the matrix state's key block
    where they share the dim, so that their common vectors are made once): its gate, rank-one pairs and inputs, its
    reads' vectors (the emitter's lines for them), as the template takes them."""
    c = n.canon[z.name]
    ctx = ctx_of(**{z.key_dim: axis})
    if c.value_gate is not None:
        raise NotFusable("a vector state with a value gate")

    def vec(e):
        return em.emit(f"tl.where({axis.mask}, {em.value(e, ctx)}, 0.0)")
    gk = None
    if c.key_gate is not None:
        gk = vec(c.key_gate) if c.key_gate.ty.kind != "scalar" else em.scalar_arg(c.key_gate, ctx)
    reads = [(gi, r.timing, vec(r.x)) for gi, r in enumerate(n.reads) if r.state == z.name]
    d = n.spec.dims.index(z.key_dim)
    return dict(i=si, name=z.name, key_dim=z.key_dim, dim=d, idx=axis.index, mask=axis.mask,
                width="BK" if axis is KEY else f"F_{d}", gk=gk, pairs=[(vec(p.b), vec(p.a)) for p in c.pairs],
                terms=[vec(r.k) for r in c.inputs], reads=reads,
                uses_prev=bool(c.pairs) or any(timing == "before" for _, timing, _ in reads))
