"""The naive backend: the spec's own equations, evaluated token by token (the oracle).

It interprets the IR as written (not the normalized form), so it checks the normalize pass and
every derived form. Gradients come from torch autograd through the loop.
"""
from __future__ import annotations

import torch

from ..ir import Spec, Var
from .evaluate import Evaluator, align
from .shapes import bind_dims


def option_values(spec: Spec, sizes: dict[str, int], overrides: dict | None = None) -> dict[str, float]:
    """Evaluate the spec's options (numbers, dims, other options), applying runtime overrides."""
    vals: dict[str, float] = {}
    for name, e in spec.options.items():
        if overrides and overrides.get(name) is not None:
            vals[name] = float(overrides[name])
        else:
            vals[name] = float(Evaluator(dict(vals), sizes)(e))
    return vals


def decls(spec: Spec):
    out = []
    for i in spec.inputs:
        dims = ([i.ty.mem] if i.ty.mem else []) + list(i.ty.dims)
        out.append((i.name, i.kind, dims))
    return out


def state_shape(st, B: int, H: int, sizes: dict[str, int]) -> tuple[int, ...]:
    mem = (sizes[st.ty.mem],) if st.ty.mem else ()
    return (B, H) + mem + tuple(sizes[d] for d in st.ty.dims)


def run_naive(spec: Spec, args: dict, scale=None, initial_state=None, output_final_state=False,
              dtype=None):
    """Run the recurrence step by step. args: name -> tensor ([B, T, H, ...] inputs, [H, ...] params).

    Returns (outputs, final_states): outputs a tuple in declaration order ([B, T, H, V]), final_states a
    tuple of the states after the last token (fp32 or fp64) or None.
    """
    sizes, B, T, H = bind_dims(decls(spec), args, derived=list(spec.derived_dims.items()))
    ref = next(iter(args.values()))
    fp64 = any(a.dtype == torch.float64 for a in args.values())
    dtype = dtype or (torch.float64 if fp64 else torch.float32)
    opts = option_values(spec, sizes, {"scale": scale})
    head = torch.arange(H, dtype=dtype, device=ref.device).reshape(1, H)
    x = {n: a.to(dtype) for n, a in args.items()}
    states = {}
    for i, st in enumerate(spec.states):
        shape = state_shape(st, B, H, sizes)
        init = None if initial_state is None else initial_state[i]
        states[st.name] = init.to(dtype) if init is not None else torch.zeros(shape, dtype=dtype, device=ref.device)
    outs = [[] for _ in spec.outputs]
    shifts: dict[str, set[int]] = {}
    exprs = [e for _, e in spec.lets] + list(spec.updates.values()) + [e for _, e in spec.outputs]
    for e in exprs:
        for v in e.walk():
            if isinstance(v, Var) and v.kind == "input" and v.shift < 0:
                shifts.setdefault(v.name, set()).add(-v.shift)
    for t in range(T):
        env = {("head", 0): head}
        env.update({(k, 0): v for k, v in opts.items()})
        for d in spec.inputs:
            a = x[d.name]
            if d.kind == "param":
                env[(d.name, 0)] = a.unsqueeze(0)
            else:
                env[(d.name, 0)] = a[:, t]
                for s in shifts.get(d.name, ()):
                    env[(d.name, -s)] = a[:, t - s] if t - s >= 0 else torch.zeros_like(a[:, 0])
        ev = Evaluator(env, sizes)
        for name, e in spec.lets:
            env[(name, 0)] = align(ev(e), e.ty, e.ty)
        for st in spec.states:
            env[(st.name, -1)] = states[st.name]
        new = {}
        for st in spec.states:
            upd = spec.updates[st.name]
            val = align(ev(upd), upd.ty, st.ty)
            if st.route is not None:
                m = ev(st.route)
                m = m.reshape(m.shape + (1,) * len(st.ty.dims))
                val = m * val + (1 - m) * states[st.name]
            new[st.name] = val
        for st in spec.states:
            env[(st.name, 0)] = new[st.name]
        for j, (name, e) in enumerate(spec.outputs):
            outs[j].append(align(ev(e), e.ty, e.ty))
        states = new
    outputs = tuple(torch.stack(o, dim=1) for o in outs)
    finals = tuple(states[st.name] for st in spec.states) if output_final_state else None
    return outputs, finals
