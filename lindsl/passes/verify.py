"""The IR verifier, run between passes: structural invariants that every stage must keep."""
from __future__ import annotations

from ..errors import LinError
from ..ir import Spec, Var, mentions_state
from .normalize import Normalized


def verify(ir) -> None:
    """Check a Spec or a Normalized IR; raises LinError (an internal error) on a broken invariant."""
    if isinstance(ir, Spec):
        _verify_spec(ir)
    elif isinstance(ir, Normalized):
        _verify_normalized(ir)
    else:
        raise TypeError(type(ir))


def _fail(msg: str) -> LinError:
    return LinError(f"internal error (IR verifier): {msg}; please report this spec")


def _verify_spec(spec: Spec) -> None:
    names = [i.name for i in spec.inputs] + [n for n, _ in spec.lets] + [s.name for s in spec.states]
    if len(names) != len(set(names)):
        raise _fail("duplicate names")
    for st in spec.states:
        if st.name not in spec.updates:
            raise _fail(f"state {st.name} has no update")
        for v in spec.updates[st.name].walk():
            if isinstance(v, Var) and v.kind == "state" and (v.name != st.name or v.shift != -1):
                raise _fail(f"the update of {st.name} reads {v.name}[t{v.shift:+d}]")
    for name, e in spec.lets:
        if mentions_state(e):
            raise _fail(f"let {name} reads a state")


def _verify_normalized(n: Normalized) -> None:
    for name, c in n.canon.items():
        st = c.state
        K = st.key_dim
        for e in [c.key_gate] + [p.b for p in c.pairs] + [p.a for p in c.pairs] + [r.k for r in c.inputs]:
            if e is None:
                continue
            if mentions_state(e):
                raise _fail(f"a canonical term of {name} reads a state")
            if e.ty.kind not in ("scalar", "vec") or (e.ty.kind == "vec" and e.ty.dims != (K,)):
                raise _fail(f"a key-side term of {name} has type {e.ty}")
        for e in [c.value_gate] + [r.v for r in c.inputs]:
            if e is None:
                continue
            if e.ty.kind != "vec" or e.ty.dims != (st.value_dim,):
                raise _fail(f"a value-side term of {name} has type {e.ty}")
        if c.key_gate is not None and c.key_gate.ty.kind == "vec" and c.key_gate.ty.dims != (K,):
            raise _fail(f"key gate of {name} has type {c.key_gate.ty}")
    for r in n.reads:
        if mentions_state(r.x):
            raise _fail("a read vector reads a state")
    for name, e in n.epilogue:
        if mentions_state(e):
            raise _fail(f"output {name} still reads a state directly")
