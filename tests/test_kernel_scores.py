"""Kernelized pair scores in the Triton read kernels (chunk_scan_triton's kernel_scores, _kernelized_scores): the
chunk's pair scores x_t . k_s made as a polynomial in the base vectors' dot product (lindsl/passes/kernelize.py)
instead of from the feature rows, in the forward's read and the adjoint's dS^T k read. Run in Triton's interpreter,
fp32, tiny shapes (on the GPU with TRITON_INTERPRET=0)."""
import math

import pytest
import torch

pytest.importorskip("triton")

import lindsl  # noqa: E402
from lindsl import parse_spec  # noqa: E402
from lindsl.check import random_inputs, rel_err  # noqa: E402
from lindsl.codegen.generate import kernel_scored_reads  # noqa: E402
from lindsl.explain import explain  # noqa: E402
from lindsl.passes.normalize import normalize  # noqa: E402
from lindsl.runtime.triton_engine import chunk_scan_triton  # noqa: E402
from test_kernelize import SCALED_CUBE, SHIFTED_READ  # noqa: E402

from devices import DEVICE  # noqa: E402
TOL = 1e-5 if DEVICE == "cpu" else 1e-4  # fp32 against fp64


def taylor(x):
    """Based's feature map [1, x / K^(1/4), vec(x x^T) / sqrt(2 K)]."""
    K = x.shape[-1]
    outer = (x[..., :, None] * x[..., None, :]).flatten(-2)
    return torch.cat([torch.ones_like(x[..., :1]), x / K ** 0.25, outer / math.sqrt(2 * K)], -1)


TAYLOR_COEFS = lambda K: (1.0, 1 / math.sqrt(K), 1 / (2 * K))  # noqa: E731


def naive_read(fq, fk, v, g, timing):
    """o_t = S^T fq_t with S_t = exp(g_t) S_(t-1) + fk_t v_t^T, step by step in fp64 ([N, T, ...])."""
    N, T, F = fk.shape
    S = torch.zeros(N, F, v.shape[-1], dtype=torch.float64)
    out = []
    for t in range(T):
        if timing == "before":
            out.append(torch.einsum("nf,nfv->nv", fq[:, t].double(), S))
        S = S * (g[:, t].double().exp()[:, None, None] if g is not None else 1.0)
        S = S + fk[:, t].double()[:, :, None] * v[:, t].double()[:, None, :]
        if timing == "after":
            out.append(torch.einsum("nf,nfv->nv", fq[:, t].double(), S))
    return torch.stack(out, 1)


@pytest.mark.parametrize("timing", ["after", "before"])
@pytest.mark.parametrize("gated", [False, True])
@pytest.mark.parametrize("heads", [1, 2])
def test_engine_read_from_base_vectors_equals_the_naive_recurrence(timing, gated, heads):
    """The read with kernelized scores equals the step-by-step recurrence over the feature vectors (a partial last
    chunk, the token layout with heads), and wrong coefficients give a wrong result: the scores come from the bases,
    not the feature rows (which the read no longer loads)."""
    torch.manual_seed(0)
    B, T, K, V = 2, 45, 4, 8
    lead = (B, T) if heads == 1 else (B // heads, T, heads)
    q, k, v = (torch.randn(*lead, d, device=DEVICE) for d in (K, K, V))
    g = -0.2 * torch.rand(*lead, device=DEVICE) if gated else None
    fq, fk = taylor(q), taylor(k)
    F = fq.shape[-1]

    def read(coefs):
        outs, _, _ = chunk_scan_triton(g, None, None, None, fk.unsqueeze(-2), v.unsqueeze(-2), None,
                                       [("k", timing, fq)], chunk=16, K=F, V=V, precision="tf32x3", force_chunk=True,
                                       heads=heads, kernel_scores={0: (q, k, coefs)})
        return outs[0].reshape(B, T, V) if heads == 1 else outs[0].transpose(1, 2).reshape(B, T, V)

    rows = (lambda x: x) if heads == 1 else (lambda x: x.transpose(1, 2).reshape(B, T, *x.shape[3:]))
    want = naive_read(*(None if x is None else rows(x).cpu() for x in (fq, fk, v, g)), timing)
    assert rel_err(read(TAYLOR_COEFS(K)).double().cpu(), want) < TOL
    assert rel_err(read((1.0, 0.0, 1 / (2 * K))).double().cpu(), want) > 1e-2


def test_engine_refuses_kernel_scores_where_no_read_kernel_takes_them():
    """Rank-one factors or a per-dimension gate would run reads that cannot take the polynomial: an error, not a
    silent read from the feature rows."""
    N, T, K, V = 1, 16, 2, 4
    x = torch.randn(N, T, K, device=DEVICE)
    with pytest.raises(ValueError, match="kernelized scores"):
        chunk_scan_triton(-torch.rand(N, T, K, device=DEVICE), None, None, None, taylor(x).unsqueeze(-2),
                          torch.randn(N, T, 1, V, device=DEVICE),
                          None, [("k", "after", taylor(x))], chunk=16, K=7, V=V,
                          kernel_scores={0: (x, x, TAYLOR_COEFS(K))})


def poly_launches(op, monkeypatch):
    """A list the module's read launches append their POLY (kernelized scores' coefficient count) to."""
    seen = []
    inner = op.module._kernel_score_args

    def spy(kernel_scores, i_read, dummy):
        args = inner(kernel_scores, i_read, dummy)
        seen.append(args[2])
        return args
    monkeypatch.setattr(op.module, "_kernel_score_args", spy)
    return seen


def grads_of(op, args, backend, knobs=(), monkeypatch=None):
    """The output and every input's gradient (a fixed random cotangent), on the CPU; the Triton engine's call on
    DEVICE with the knobs set."""
    for name, value in knobs:
        monkeypatch.setenv(f"LINDSL_TUNE_{name}", value)
    device = DEVICE if backend == "triton" else "cpu"
    xs = [a.detach().to(device).requires_grad_() for a in args.values()]
    o = op(*xs, backend=backend, chunk_size=16)[0]
    do = torch.randn(o.shape, generator=torch.Generator().manual_seed(5)).to(o.dtype).to(device)
    g = torch.autograd.grad((o * do).sum(), xs)
    for name, _ in knobs:
        monkeypatch.delenv(f"LINDSL_TUNE_{name}")
    return tuple(x.cpu() for x in (o, *g))


@pytest.mark.parametrize("knobs", [(), (("REV_SOURCES", "0"),), (("REV_READS", "0"),)])
def test_based_reads_and_its_adjoint_take_the_base_vectors(knobs, monkeypatch):
    """Based on the Triton engine: both states' forward reads and S's adjoint dS^T k read make their scores from q and
    k (three launches with three coefficients; z's values are the constant 1, whose gradient no read makes), with the
    adjoint's sources reversed in place (the default) or flipped, and the readers reversed in place or flipped; the
    output and every gradient equal the PyTorch engine's in fp64. LINDSL_TUNE_KERNEL_SCORES=0 reads the feature rows
    instead."""
    op = lindsl.load("based")
    args = random_inputs(op.spec, 1, 37, 2, {"K": 4, "V": 8}, torch.float32, seed=3)
    seen = poly_launches(op, monkeypatch)
    got = grads_of(op, args, "triton", knobs, monkeypatch)
    assert sorted(p for p in seen if p) == [3, 3, 3]
    ref = grads_of(op, {n: a.double() for n, a in args.items()}, "torch")
    for x, y in zip(got, ref):
        assert rel_err(x.double(), y) < TOL
    seen.clear()
    plain = grads_of(op, args, "triton", (("KERNEL_SCORES", "0"),), monkeypatch)
    assert seen and not any(seen)
    for x, y in zip(plain, ref):
        assert rel_err(x.double(), y) < TOL


# test_kernelize's degree-3 map: kron(kron(q, q), q) read against keys kron(k, kron(k, k)), nested the other way
CUBE = SCALED_CUBE



@pytest.mark.parametrize("source, coefs", [(CUBE, 4), (SHIFTED_READ, 3)])
def test_new_maps_compile_to_kernelized_reads(source, coefs, monkeypatch):
    """Compositions no library spec has: a degree-3 map under a scalar gate (its gradient too), its kron nested
    differently on the two sides, whose polynomial 1 + (q . k)^3 / K reaches the read kernels as four coefficients, and a base made in the read from the current
    and an earlier token (q + 0.5 q[t-2]); the forward read and the adjoint's take them, and the output and
    gradients equal the PyTorch engine's."""
    op = lindsl.load(source)
    args = random_inputs(op.spec, 1, 40, 1, {"K": 2, "V": 4}, torch.float32, seed=1)
    seen = poly_launches(op, monkeypatch)
    got = grads_of(op, args, "triton")
    assert sorted(p for p in seen if p) == [coefs, coefs]
    ref = grads_of(op, {n: a.double() for n, a in args.items()}, "torch")
    for x, y in zip(got, ref):
        assert rel_err(x.double(), y) < TOL
    seen.clear()
    with torch.no_grad():  # the rows prologue (one generated kernel) passes the bases through
        o = op(*[a.to(DEVICE) for a in args.values()], backend="triton", chunk_size=16)[0]
    assert op.module.PROLOGUE_ROWS is True and [p for p in seen if p] == [coefs]
    assert rel_err(o.double().cpu(), ref[0]) < TOL


VALUE_GATED = """
lin gated_taylor
dim K, V
dim F = 1 + K
in q[K], k[K], v[V], w[V]: loggate
let fq = cat(1, q)
let fk = cat(1, k)
state S[F, V]
S = S diag(exp(w)) + fk v^T
out o = S^T fq
"""

SCALED = """
lin scaled_taylor
dim K, V
dim F = 1 + K
in q[K], k[K], v[V]
let fq = cat(1, q)
let fk = cat(1, k)
state S[F, V]
S = S + fk v^T
out o = S^T (0.5 * fq)
"""


@pytest.mark.parametrize("source, why", [(VALUE_GATED, "value gate"), (SCALED, "constant factor")])
def test_reads_the_kernels_cannot_score_from_bases_say_why(source, why):
    """A value gate (the engine's per-dimension read paths) or a read's constant factor split off (the kernel reads y
    of c y): kernelizable, not taken, and `lindsl explain` says why."""
    n = normalize(parse_spec(source, "t.lin"))
    taken = kernel_scored_reads(n)
    assert list(taken) == [0] and why in taken[0]
    assert f"not taken: {taken[0]}" in explain(lindsl.load(source).compiled)


def test_packed_sequences_with_initial_states_take_the_base_vectors(monkeypatch):
    """Based over packed sequences (cu_seqlens, an empty one included) from given initial states: the bases are
    packed as the features are, the kernelized reads run, and the outputs, final states and gradients (the initial
    states' too) equal the PyTorch engine's."""
    op = lindsl.load("based")
    sizes = {"K": 4, "V": 8}
    args = random_inputs(op.spec, 1, 45, 2, sizes, torch.float32, seed=7)
    cu = torch.tensor([0, 13, 13, 45])
    from lindsl.runtime.naive import state_shape
    h0 = [torch.randn((3,) + state_shape(st, 1, 2, {**sizes, "F": 21})[1:], generator=torch.Generator().manual_seed(i))
          for i, st in enumerate(op.spec.states)]
    seen = poly_launches(op, monkeypatch)
    res = {}
    for backend, dtype, device in (("triton", torch.float32, DEVICE), ("torch", torch.float64, "cpu")):
        xs = [a.to(dtype).to(device).requires_grad_() for a in args.values()]
        hs = [h.to(dtype).to(device).requires_grad_() for h in h0]
        o, finals = op(*xs, initial_state=tuple(hs), output_final_state=True, cu_seqlens=cu.to(device),
                       backend=backend)
        loss = (o * torch.linspace(-1, 1, o.numel(), dtype=dtype, device=device).reshape(o.shape)).sum()
        loss = loss + sum((f * f).sum() for f in finals)
        res[backend] = [t.detach().cpu() for t in (o, *finals, *torch.autograd.grad(loss, xs + hs))]
    assert sorted(p for p in seen if p) == [3, 3, 3]
    for x, y in zip(res["triton"], res["torch"]):
        assert rel_err(x.double(), y) < TOL


@pytest.mark.parametrize("name", ["based", "hedgehog", "linear_attn_normalized"])
def test_a_normalizer_of_constant_values_makes_no_value_gradient(name):
    """z = z + k (the value the constant 1): the derived backward has no dv read for z (nothing takes it: no value
    gate, no rank-one factors) and S keeps its own; explain says so."""
    from lindsl.passes.adjoint import derive_adjoint
    op = lindsl.load(name)
    n = op.compiled.normalized
    plans = {st.name: derive_adjoint(n.canon[st.name], [(i, r) for i, r in enumerate(
        [r for r in n.reads if r.state == st.name])]) for st in op.spec.states}
    results = {s: [r[0] for r in p.adjoint_reads] for s, p in plans.items()}
    assert results["z"] == ["dk0"] and plans["z"].constant_values
    assert "dv0" in results["S"] and not plans["S"].constant_values
    assert "dv: none (every value is the constant 1)" in explain(op.compiled)
