"""The LASP-2 corrections' explicit gradients (lindsl.sp.runtime) and their Triton kernels (lindsl.sp.kernels).

References: the corrections as plain PyTorch expressions differentiated by autograd (as the runtime computed them
before the gradients were written out), in fp64. The PyTorch path must match them to 1e-12 (fp64); the Triton
kernels, under the interpreter in fp32 (conftest sets TRITON_INTERPRET=1), to 2e-5 of the largest entry. Shapes:
several 64-token tiles with a partial last one (T = 100 or 129), K, V not powers of two, scalar / key-vector / no
key gate, with and without a value gate, reads after and before the update, one or two inputs per token. Log-gates
uniform in [-scale, 0]: scale 0.05 keeps the far tiles' terms visible (a wrong tile offset shows), scale 10 makes
cumulative gates reach -1000 (exp underflows to 0: no NaN or inf).
"""
from pathlib import Path

import pytest
import torch

from lindsl.sp import kernels
from lindsl.sp.runtime import _cums, _rcums, end_correction, read_corrections, terminal_grads

F64 = torch.float64


def ref_read(x, gk, gv, S, before):
    """exp(Gv) * ((x * exp(Gk)) @ S) with G the inclusive (after) or exclusive (before) cumulative log-gates."""
    def cum(g):
        c = torch.cumsum(g, 1)
        return c - g if before else c
    xt = x if gk is None else x * (cum(gk).exp()[..., None] if gk.dim() == 2 else cum(gk).exp())
    r = xt @ S
    return r if gv is None else r * cum(gv).exp()


def ref_terminal_value(core, mu, S0):
    """<mu, S_T> with S_T = sum_t sum_p diag(exp(Gk'_t)) k_tp v_tp^T diag(exp(Gv'_t)) + A S0, Gk'_t = sum_{s>t} gk_s."""
    gk, gv, k, v = core["gk"], core["gv"], core["k"], core["v"]

    def rc(g):
        return torch.flip(torch.cumsum(torch.flip(g, [1]), 1), [1]) - g
    kt = k if gk is None else k * (rc(gk).exp()[..., None, None] if gk.dim() == 2 else rc(gk).exp()[:, :, None, :])
    vt = v if gv is None else v * rc(gv).exp()[:, :, None, :]
    N, T, P, K = kt.shape
    val = ((kt.reshape(N, T * P, K) @ mu) * vt.reshape(N, T * P, -1)).sum()
    return val + (end_correction(core, S0) * mu).sum()


def _case(key, value_gate, N=2, T=100, P=1, K=5, V=7, scale=1.0, dtype=F64, seed=0):
    gen = torch.Generator().manual_seed(seed)

    def r(*shape):
        return torch.randn(*shape, generator=gen, dtype=F64).to(dtype)
    gk = None if key == "none" else (-scale * torch.rand((N, T) if key == "scalar" else (N, T, K), generator=gen,
                                                        dtype=F64)).to(dtype)
    gv = (-scale * torch.rand(N, T, V, generator=gen, dtype=F64)).to(dtype) if value_gate else None
    return dict(gk=gk, gv=gv, k=r(N, T, P, K), v=r(N, T, P, V), x=r(N, T, K), S=r(N, K, V), dr=r(N, T, V),
                mu=r(N, K, V))


GATES = [(key, value) for key in ("none", "scalar", "vector") for value in (False, True)]


def _rel(a, b, scale=0.0):
    """max |a - b| / max(max |b|, scale): scale = the size of the summands of a sum that cancels (gate gradients
    are sums over time of products that may cancel to far below their terms; fp32 rounds the terms)."""
    a, b = a.detach().double(), b.detach().double()
    return float((a - b).abs().max() / max(float(b.abs().max()), scale, 1e-30))


def _term_scale(x, dx, scalar):
    """The largest summand of a gate gradient sum over time: max_t of sum_(p, and k for a scalar gate) |x * dx|."""
    t = (x.detach().double() * dx.detach().double()).abs()
    t = t.sum(2) if t.dim() == 4 else t
    return float((t.sum(-1) if scalar else t).max())


def _read_grads(c, before, use_triton, dtype):
    """The read correction's value and gradients (x, gk, gv, S) through read_corrections' autograd.Function."""
    leaves = {n: (None if c[n] is None else c[n].to(dtype).requires_grad_()) for n in ("x", "gk", "gv", "S")}
    core = dict(gk=leaves["gk"], gv=leaves["gv"], xs=[leaves["x"]], timings=["before" if before else "after"])
    r, = read_corrections(core, leaves["S"], use_triton)
    want = [leaves[n] for n in ("x", "gk", "gv", "S") if leaves[n] is not None]
    return r, torch.autograd.grad(r, want, c["dr"].to(dtype))


@pytest.mark.parametrize("key,value_gate", GATES)
@pytest.mark.parametrize("before", [False, True])
def test_read_correction_matches_autograd(key, value_gate, before):
    """PyTorch path, fp64: value and explicit vector-Jacobian products = autograd of the plain expression."""
    for scale in (0.05, 10.0):
        c = _case(key, value_gate, scale=scale)
        r, got = _read_grads(c, before, False, F64)
        leaves = [c[n].clone().requires_grad_() if c[n] is not None else None for n in ("x", "gk", "gv", "S")]
        ref = ref_read(*leaves, before)
        want = torch.autograd.grad(ref, [x for x in leaves if x is not None], c["dr"])
        assert _rel(r, ref) <= 1e-12
        for a, b in zip(got, want):
            assert torch.isfinite(a).all() and _rel(a, b) <= 1e-12, (scale, _rel(a, b))


@pytest.mark.parametrize("key,value_gate", GATES)
@pytest.mark.parametrize("P", [1, 2])
def test_terminal_grads_match_autograd(key, value_gate, P):
    """PyTorch path, fp64: terminal_grads = autograd of <mu, S_T> for k, v, the gates and S0 (and without S0)."""
    for scale in (0.05, 10.0):
        for with_s0 in (True, False):
            c = _case(key, value_gate, P=P, scale=scale)
            core = {n: c[n] for n in ("gk", "gv", "k", "v")}
            S0 = c["S"] if with_s0 else None
            got = terminal_grads(core, c["mu"], S0)
            names = [n for n in ("k", "v", "gk", "gv") if core[n] is not None]
            leaves = {n: core[n].clone().requires_grad_() for n in names}
            s0 = None if S0 is None else S0.clone().requires_grad_()
            val = ref_terminal_value(dict(core, **leaves), c["mu"], torch.zeros_like(c["S"]) if s0 is None else s0)
            want = torch.autograd.grad(val, [leaves[n] for n in names] + ([s0] if s0 is not None else []))
            for n, b in zip(names + (["S0"] if s0 is not None else []), want):
                assert torch.isfinite(got[n]).all() and _rel(got[n], b) <= 1e-12, (n, scale, with_s0, _rel(got[n], b))
            assert with_s0 or got["S0"] is None


@pytest.mark.parametrize("key,value_gate", GATES)
def test_read_kernels_match_torch(key, value_gate, monkeypatch):
    """Triton (interpreter, fp32) read correction and its vector-Jacobian products = the PyTorch path in fp64;
    d/dS summed over time in one split of 3 tiles (programs = 1), and in one split per tile."""
    for before, scale, T, programs in ((False, 0.05, 129, 1), (True, 0.05, 100, 512), (True, 10.0, 100, 512)):
        monkeypatch.setattr(kernels, "MIN_PROGRAMS", programs)
        c = _case(key, value_gate, T=T, K=32 if key == "vector" else 5, V=20, scale=scale)
        r, got = _read_grads(c, before, True, torch.float32)
        r64, want = _read_grads(c, before, False, F64)
        assert r.dtype == torch.float32 and _rel(r, r64) <= 2e-5
        names = [n for n in ("x", "gk", "gv", "S") if c[n] is not None]
        scales = dict(x=0.0, S=0.0, gk=_term_scale(c["x"], want[0], key == "scalar"),
                      gv=_term_scale(c["dr"], r64, False))
        for n, a, b in zip(names, got, want):
            err = _rel(a, b, scales[n])
            assert a.shape == b.shape and torch.isfinite(a).all() and err <= 2e-5, (n, before, scale, err)


def test_exclusive_gates_are_summed_not_subtracted():
    """Exclusive cumulative gates come from shifted in-tile sums and tile offsets, not from inclusive sums minus the
    token's own gate: beside a gate of -1e30 (inclusive - own would round the small gates away) a read before the
    update at that token sees exp(sum of the earlier gates)."""
    N, T, K = 1, 130, 16
    t = torch.arange(T, dtype=F64)
    gk = torch.full((N, T, K), -0.1)
    gk[:, 70] = -1e30
    gk[:, T - 3] = -1e30
    x, S = torch.ones(N, T, K), torch.eye(K)[None]
    r = kernels.read_correction(x, gk, None, S, before=True)
    want = torch.where(t <= 70, (-0.1 * t).exp(), torch.zeros(()))
    assert torch.isfinite(r).all() and torch.allclose(r[0, :, 0].double(), want, rtol=1e-5, atol=0)


def test_triton_path_needs_cuda_or_the_interpreter(monkeypatch):
    """No silent fallback: the kernels refuse CPU tensors outside the interpreter."""
    monkeypatch.setenv("TRITON_INTERPRET", "0")
    c = _case("vector", False, T=8)
    with pytest.raises(ValueError, match="TRITON_INTERPRET"):
        kernels.read_correction(c["x"].float(), c["gk"].float(), None, c["S"].float(), False)


def test_exclusive_cums_helpers():
    """_cums / _rcums: inclusive and exclusive sums from the start and from the end."""
    g = torch.randn(2, 70, 3, dtype=F64)
    inc, exc = _cums(g)
    assert torch.allclose(inc, torch.cumsum(g, 1)) and torch.allclose(exc, torch.cumsum(g, 1) - g)
    rev = torch.flip(torch.cumsum(torch.flip(g, [1]), 1), [1])
    assert torch.allclose(_rcums(g, inclusive=True), rev) and torch.allclose(_rcums(g), rev - g)


def test_sp_triton_path_equals_single_device(monkeypatch):
    """The whole LASP-2 executor on the Triton path (LINDSL_BACKEND=triton: the op's engine and the corrections'
    kernels, under the interpreter) over 2 gloo ranks: outputs, final states and every gradient equal the
    single-device run of the torch engine (tests/data/lasp2_mix.lin: key-vector + value gate, reads before and
    after the update, a vector state with a scalar gate; a batch with an initial state and packed sequences
    crossing the shards; one head and 24 tokens, 12 per rank; the reference on the torch engine, which the
    library tests hold to the naive recurrence, for the interpreter's time: each rank makes its own)."""
    from lindsl.sp.check import check_world
    monkeypatch.setenv("LINDSL_BACKEND", "triton")
    rows = check_world(2, specs=[str(Path(__file__).parent / "data" / "lasp2_mix.lin")], schedules=("allgather",),
                       T=24, H=1, form="lasp2", ref_backend="torch")
    assert {(r["case"], r["rank"]) for r in rows} == {(c, j) for c in ("batch", "varlen") for j in (0, 1)}
    assert all(r["form"] == "lasp2" for r in rows)
    keys = {k for r in rows for k in r["err"]}
    assert {"out:o", "dg", "dgv", "da", "dq", "dk", "dv", "dh0:S(sum)", "final:S"} <= keys
    bad = [(r["case"], r["rank"], k, v) for r in rows for k, v in r["err"].items() if not v <= 2e-5]
    assert not bad, bad
