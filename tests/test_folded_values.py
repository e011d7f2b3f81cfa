"""The delta rule's forward reads from the fold's value rows (chunk_scan_triton's keep_u=False with
LINDSL_TUNE_FOLDED_VALUES on, its default): the state pass stores v' - s u where u would go and the reads take the one pair
(k', v' - s u) as a scan without rank-one factors reads its input pair. Checked against the fp64 torch engine and
the fold's own reads, for every gate kind the path takes (none and scalar: the tensor-core read kernel; per-dimension:
the sub-chunked reads), and through the generated modules of library and unseen specs, with and without gradients."""

import pytest
import torch

import lindsl
from lindsl.check import random_inputs, rel_err
from lindsl.runtime.engine import chunk_scan

triton_engine = pytest.importorskip("lindsl.runtime.triton_engine")

from devices import DEVICE  # noqa: E402
TOL = 1e-5 if DEVICE == "cpu" else 1e-4


class Launches:
    """A kernel whose launches' R and STORE_VNEW are appended to a list."""

    def __init__(self, kernel, name, seen):
        self.kernel, self.name, self.seen = kernel, name, seen

    def __getitem__(self, grid):
        def launch(*args, **kwargs):
            self.seen.append((self.name, kwargs.get("R"), kwargs.get("STORE_VNEW", False)))
            return self.kernel[grid](*args, **kwargs)
        return launch


@pytest.mark.parametrize("gate", [None, "scalar", "vector"])
@pytest.mark.parametrize("scaled", [False, True], ids=["s_one", "s_per_token"])
@pytest.mark.parametrize("heads", [1, 2])
def test_engine_reads_the_folded_values(gate, scaled, heads, monkeypatch):
    """keep_u=False with the knob on: reads of both sides and timings equal the fp64 torch engine's, u comes back
    None and the state pass stores the value rows; keep_u=True, or the states asked for, keeps u."""
    monkeypatch.setenv("LINDSL_TUNE_FOLDED_VALUES", "1")
    seen = []
    for name in ("_state_kernel", "_read_kernel"):
        monkeypatch.setattr(triton_engine, name, Launches(getattr(triton_engine, name), name, seen))
    g = torch.Generator().manual_seed(7)
    B, T, K, V = 2, 70, 16, 8
    lead = (B * heads, T) if heads == 1 else (B, T, heads)
    rnd = lambda *s: torch.randn(*s, generator=g)  # noqa: E731
    gk = None if gate is None else (-0.5 * torch.rand(*lead, generator=g) if gate == "scalar"
                                    else -torch.rand(*lead, K, generator=g))
    k = torch.nn.functional.normalize(rnd(*lead, 1, K), dim=-1)
    s = torch.rand(*lead, generator=g) + 0.2 if scaled else torch.ones(*lead)
    b, v = -s[..., None, None] * k, rnd(*lead, 1, V)
    a = k * (1.0 if gate != "vector" else torch.exp(gk)[..., None, :])
    reads = [("k", "after", rnd(*lead, K))] + ([("k", "before", rnd(*lead, K)), ("v", "after", rnd(*lead, V))]
                                               if gate != "vector" else [])
    to_rows = (lambda x: x) if heads == 1 else (lambda x: None if x is None else x.transpose(1, 2).reshape(
        B * heads, T, *x.shape[3:]))
    d = lambda x: None if x is None else to_rows(x).double()  # noqa: E731
    o_ref, S_ref, _ = chunk_scan(d(gk), None, d(b), d(a), d(k), d(v), None,
                                 [(side, t, d(x)) for side, t, x in reads], chunk=16, K=K, V=V)
    args = [None if x is None else x.to(DEVICE) for x in (gk, None, b, a, k, v, None)]
    given = [(side, t, x.to(DEVICE)) for side, t, x in reads]
    fold = s.to(DEVICE) if scaled else True
    o, S, u = triton_engine.chunk_scan_triton(*args, given, chunk=16, force_chunk=True, K=K, V=V, fold=fold,
                                              heads=heads, keep_u=False)
    assert u is None
    assert ("_state_kernel", 1, True) in seen
    if gate != "vector":
        assert all(r == 0 for n, r, _ in seen if n == "_read_kernel")
    for x, y in zip(o + [S], o_ref + [S_ref]):
        x = to_rows(x) if x.dim() > 3 or heads == 1 else x
        assert torch.isfinite(x).all() and rel_err(x.double().cpu(), y) < TOL
    for kwargs in ({"keep_u": True}, {"keep_u": False, "return_states": True}):
        seen.clear()
        u = triton_engine.chunk_scan_triton(*args, given, chunk=16, force_chunk=True, K=K, V=V, fold=fold,
                                            heads=heads, **kwargs)[2]
        assert u is not None and not any(vnew for _, _, vnew in seen)


DELTA_BEFORE = """
lin delta_read_before
dim K, V
in q[K], k[K], v[V]
in beta: unit
let kn = l2norm(k)
state S[K, V]
S = (I - beta * kn kn^T) S + beta * kn v^T
out o = S[t-1]^T q
"""

GATED_DELTA_TWO_READS = """
lin gated_delta_two_reads
dim K, V
in q[K], k[K], v[V], p[K]
in g: loggate
in beta: unit
let kn = l2norm(k)
state S[K, V]
S = exp(g) * (I - beta * kn kn^T) S + beta * kn v^T
out o = S^T q
out r = S[t-1]^T p + v
"""


def flat(x):
    """A module's results (outputs, final state; tuples of several outputs) as one list of tensors."""
    return [t for y in x for t in flat(y)] if isinstance(x, (tuple, list)) else [x]


@pytest.mark.parametrize("source", ["gated_deltanet", "deltanet", "kda", DELTA_BEFORE, GATED_DELTA_TWO_READS],
                         ids=["gated_deltanet", "deltanet", "kda", "delta_before", "two_reads"])
def test_module_with_folded_values_equals_the_fold(source, monkeypatch):
    """A generated module's outputs, final state and every gradient with the knob on equal the fold's reads (fp32:
    the same value rows, the same products), with and without gradients, and its state pass stores the value rows,
    as it does without the knob set."""
    op = lindsl.load(source)
    base = random_inputs(op.spec, 1, 70, 2, {"K": 16, "V": 16}, torch.float32, seed=3)
    runs = {}
    for knob in ("0", "1", None):
        if knob is None:
            monkeypatch.delenv("LINDSL_TUNE_FOLDED_VALUES", raising=False)
        else:
            monkeypatch.setenv("LINDSL_TUNE_FOLDED_VALUES", knob)
        seen = []
        monkeypatch.setitem(op.module.__dict__, "_state_kernel", Launches(triton_engine._state_kernel, "_state_kernel",
                                                                         seen))
        xs = {n: x.to(DEVICE).requires_grad_(True) for n, x in base.items()}
        outs = flat(op(*xs.values(), backend="triton", output_final_state=True, chunk_size=16))
        grads = torch.autograd.grad(sum(o.square().sum() for o in outs), list(xs.values()))
        with torch.no_grad():
            inference = flat(op(*xs.values(), backend="triton", output_final_state=True, chunk_size=16))
        runs[knob] = [*outs, *inference, *grads], seen
    (ref, seen_off), (got, seen_on), (by_default, seen_default) = runs["0"], runs["1"], runs[None]
    for x, y, z in zip(got, ref, by_default):
        assert torch.isfinite(x).all() and rel_err(x, y) < TOL and torch.equal(x, z)
    assert not any(vnew for _, _, vnew in seen_off)
    assert sum(1 for _, _, vnew in seen_on if vnew) == 2  # the forward under autograd and the one without
    assert seen_default == seen_on  # on by default (session 60's timings)
