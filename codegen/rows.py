"""Per-token kernels for a chunked call: the prologue (every state's canonical per-token tensors from the inputs) and
the epilogue (the outputs from the reads and the inputs), each one generated Triton kernel over blocks of (token,
head) rows (templates/rows_kernel.py.j2: per-row scalars [ROWS], vectors [ROWS, D]), and for calls with gradients
their backward kernels: each recomputes the values it needs and writes the cotangents of the inputs, params and reads
from those of the values it made (lindsl.passes.vjp: the vector-Jacobian products derived from the IR). They replace
the compiled PyTorch prologue and epilogue (one launch each way, no Dynamo guards). Inputs that a canonical tensor
takes as they stand are not copied: the module passes them through."""
from __future__ import annotations

import re
from dataclasses import dataclass

from lindsl.ir import Var
from lindsl.passes.vjp import NotDifferentiable, vector_jacobian

from .step import KernelLeaves, constexpr_params, full_axes, kernel_template, leading_params
from .triton_emit import Axis, NotFusable, TritonEmitter, ctx_of, vector_type


@dataclass
class RowsKernel:
    """A generated per-row kernel: its source, the canonical tensors (or outputs) it writes, in order, each as
    (name, dims after [B, T, H]), and the inputs passed through instead (name -> input name)."""
    source: str
    writes: list[tuple[str, list[str]]]
    passed: dict[str, str]
    values: list  # the (label, expr) it writes
    reads: list  # the (name, dim or None) it loads
    gated: bool = False  # blocks of one sequence's tokens, with the key gate's sums within chunks (CUM)
    ones: tuple = ()  # the canonical tensors that are a vector state's implicit ones (the module makes them)


@dataclass
class RowsBackward:
    """A generated backward of a per-row kernel: its source and the cotangents it writes, in order, each as
    (kind, name, dims after the rows): kind input ([B, T, H, dims] in the input's dtype), param (per row, fp32, for
    the module to sum over tokens) or read ([B, T, H, dims] in the read's dtype, which autograd casts it to); and
    the cotangents that are one value's cotangent as it stands, which it does not write: (kind, name, that value's
    index), for the module to hand on (Mamba-2's read in S^T q + D v: the output's cotangent itself)."""
    source: str
    grads: list[tuple[str, str, list[str]]]
    reads_used: list[bool]  # per forward read: whether the cotangents take its value (else the module need not keep it)
    passed: list[tuple[str, str, int]]


def _kernel(spec, name, values, shifts, reads=(), skip=(), gate=None, omit=None) -> tuple[str, list]:
    """Source of a per-row kernel writing each (label, expr) of values over its own dim's full range; reads
    [(name, dim or None)]: per-row tensors it loads (rd_<i>), named as the values' read leaves; those named in skip
    keep their parameter but are not loaded (no value reads them). gate (an expr: a key log-gate, per token or per
    key): the kernel's blocks are runs of one sequence's tokens, and with CUM (blocks of the scan's chunk) it also
    writes the gate's sums within them (the rows template's gated form). omit: the label of a value stored only
    where the kernel's constexpr OMIT is false (its inputs' loads then dead code)."""
    full = {d: Axis(f"{a.index}[None, :]", f"{a.mask}[None, :]") for d, a in full_axes(spec).items()}
    em = TritonEmitter(spec, full, KernelLeaves(spec, shifts, rows=True), rows=True)
    for gi, (rname, dim) in enumerate(reads):
        if rname in skip:
            continue
        if dim is None:
            em.lines.append(f"r{gi} = tl.load(rd_{gi} + row, mask=rm, other=0.0).to(tl.float32)")
            continue
        j = spec.dims.index(dim)
        em.lines.append(f"r{gi} = tl.load(rd_{gi} + rowc * DIM_{j} + f{j}[None, :], mask=fm{j}[None, :] & rmc, "
                        "other=0.0).to(tl.float32)")
    em.reads = {rname: (f"r{gi}", dim, full[dim] if dim else None)
                + ((f"rd_{gi} + rowc * DIM_{spec.dims.index(dim)}",) if dim else ())
                for gi, (rname, dim) in enumerate(reads) if rname not in skip}
    stores, writes = [], []
    for j, (label, e) in enumerate(values):
        if e.ty.mem or e.ty.kind not in ("scalar", "vec", "row"):
            raise NotFusable(f"a per-token value of type {e.ty}")
        dim = vector_type(e.ty)
        ctx = ctx_of(**{dim: full[dim]}) if dim else ()
        code = em.value(e, ctx)
        if label == omit:
            stores.append("if not OMIT:")
        indent = "    " if label == omit else ""
        if dim:
            d = spec.dims.index(dim)
            stores.append(f"{indent}tl.store(out_{j} + rowc * DIM_{d} + f{d}[None, :], ({code} + tl.zeros([ROWS, "
                          f"F_{d}], tl.float32)).to(out_{j}.dtype.element_ty), mask=fm{d}[None, :] & rmc)")
        else:
            value = code if re.fullmatch(r"[er]\d+", code) else f"({code} + fzero)"
            stores.append(f"{indent}tl.store(out_{j} + row, ({value} + tl.zeros([ROWS], tl.float32))"
                          f".to(out_{j}.dtype.element_ty), mask=rm)")
        writes.append((label, [dim] if dim else []))
    gate_form = None
    if gate is not None:
        if gate.ty.mem or gate.ty.kind not in ("scalar", "vec", "row"):
            raise NotFusable(f"a key gate of type {gate.ty}")
        dim = vector_type(gate.ty)
        before = len(em.lines)
        code = em.value(gate, ctx_of(**{dim: full[dim]}) if dim else ())
        gate_form = dict(code=code, dim=spec.dims.index(dim) if dim else None, lines=em.lines[before:])
        em.lines = em.lines[:before]
    shifted = list(shifts.items())
    source = kernel_template("rows_kernel.py.j2").render(
        name=name, args=leading_params(spec, shifted) + [f"rd_{gi}" for gi in range(len(reads))]
        + [f"out_{j}" for j in range(len(values))],
        constexprs=constexpr_params(spec, shifted) + (", OMIT: tl.constexpr" if omit is not None and any(
            label == omit for label, _ in values) else ""),
        dims=list(range(len(spec.dims))), lines=em.lines, stores=stores, gate=gate_form)
    return source, writes


def prologue_kernel(spec, tensors, shifts, gate=None, omit=None) -> RowsKernel | str:
    """The prologue kernel for the canonical tensors [(name, expr, vector, raw input name or None)] (raw: a gate that
    may pass through), or why there is none. A tensor that is an input as it stands passes through; a vector
    state's implicit ones (expr None) the module makes. gate: the name
    of the key log-gate among them whose sums within the scan's chunks the kernel also writes (_kernel's gate), or
    None. omit: a tensor's name the kernel stores only without its constexpr OMIT (_kernel's omit)."""
    computed, passed, ones = [], {}, []
    for name, e, vector, raw in tensors:
        if e is None:
            ones.append(name)
        elif isinstance(e, Var) and e.kind == "input" and e.shift == 0:
            passed[name] = e.name
        else:
            computed.append((name, e))
    gate_expr = next((e for name, e, *_ in tensors if name == gate), None)
    try:
        source, writes = _kernel(spec, "_prologue_rows_kernel", computed, shifts, gate=gate_expr, omit=omit)
    except NotFusable as why:
        return str(why)
    return RowsKernel(source, writes, passed, computed, [], gate is not None and gate_expr is not None, tuple(ones))


def epilogue_kernel(spec, epilogue, read_dims, shifts) -> RowsKernel | str:
    """The epilogue kernel for the outputs [(name, expr)] from the reads (read gi over read_dims[gi]), or why not."""
    try:
        reads = [(f"read{gi}", dim) for gi, dim in enumerate(read_dims)]
        source, writes = _kernel(spec, "_epilogue_rows_kernel", epilogue, shifts, reads)
    except NotFusable as why:
        return str(why)
    return RowsKernel(source, writes, {}, list(epilogue), reads)


def backward_kernel(spec, name, values, shifts, reads=(), drop_reads=False) -> RowsBackward | str:
    """The backward of the per-row kernel writing values [(label, expr)] from reads [(name, dim)], or why there is
    none: it loads the forward's reads and each value's cotangent and writes the cotangent of every input, param and
    read the values depend on, but for an input's or read's that is one value's cotangent unchanged (of its type: no
    broadcast), which the module passes on instead of a copy. drop_reads: no read's cotangent (another backward
    hands them on) and no read loaded (reads empty; why not where an input's or param's cotangent takes one)."""
    if shifts:
        return "a token shift (its gradient reaches another token's row)"
    cts = [Var(f"ct{j}", "read", ty=e.ty) for j, (_, e) in enumerate(values)]
    try:
        grads = vector_jacobian([(e, ct) for (_, e), ct in zip(values, cts)], dict(spec.lets))
        index = {ct.name: j for j, ct in enumerate(cts)}
        leaf_dim = {("read", rname): dim for rname, dim in reads}
        leaf_dim.update({("input", d.name): vector_type(d.ty) for d in spec.token_inputs})
        if drop_reads:
            grads = {key: g for key, g in grads.items() if key[0] != "read"}
        passed = [(kind, leaf, index[g.name]) for (kind, leaf), g in sorted(grads.items())
                  if kind != "param" and isinstance(g, Var) and g.name in index
                  and leaf_dim.get((kind, leaf), "?") == vector_type(g.ty)]
        passed = passed if len(passed) < len(grads) else []  # (a kernel that writes nothing: kept as it was)
        order = [key for key in sorted(grads) if key not in {(kind, leaf) for kind, leaf, _ in passed}]
        used = {v.name for key in order for v in grads[key].walk() if isinstance(v, Var) and v.kind == "read"}
        if drop_reads and used - {ct.name for ct in cts}:
            return "an input's or param's cotangent takes a read's value"
        source, writes = _kernel(spec, name, [(f"{kind}:{leaf}", grads[kind, leaf]) for kind, leaf in order], shifts,
                                 list(reads) + [(ct.name, vector_type(ct.ty)) for ct in cts],
                                 skip={rname for rname, _ in reads if rname not in used})
    except (NotFusable, NotDifferentiable) as why:
        return str(why)
    return RowsBackward(source, [(kind, leaf, dims) for (kind, leaf), (_, dims) in zip(order, writes)],
                        [rname in used for rname, _ in reads], passed)
