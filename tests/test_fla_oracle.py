"""lindsl's naive backend (the spec's own equations, token by token) against fla's naive references.

Every library spec with an fla counterpart is run through `run_naive` in float64 and compared with the
pure-PyTorch reference in fla-core (outputs and final states, from a non-zero initial state wherever the
fla function accepts one). fla's `__init__` imports triton, so the reference files (which import only
torch and einops) are loaded by file path. Specs with no fla naive op (MoM, SSE) are checked against an
independent plain-PyTorch loop written here.

Tolerances: every fla reference used here casts its inputs to float32 (`.float()` / `.to(torch.float32)`)
and accumulates the state in float32, so it cannot agree with a float64 run beyond float32 rounding
(~6e-8 per operation, growing over T steps and K-long reductions). With O(1) data, T=20 and K=8 the
observed differences are ~1e-7..1e-6, hence rtol = atol = 1e-5. The plain-PyTorch loops below run in
float64, so those comparisons use 1e-10.
"""
from __future__ import annotations

import functools
import importlib.util
import math
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

from lindsl.frontend import parse_file, parse_spec
from lindsl.runtime.builtins import l2norm
from lindsl.runtime.naive import run_naive


@functools.lru_cache(maxsize=None)
def load_fla_naive(relpath: str):
    """Load fla/ops/<relpath> (e.g. 'gla/naive.py') as a module without importing the fla package."""
    found = importlib.util.find_spec("fla")  # a top-level find_spec does not execute fla/__init__.py
    if found is None or not found.submodule_search_locations:
        pytest.skip("fla-core is not installed (test-only dependency)")
    pytest.importorskip("einops")
    path = Path(next(iter(found.submodule_search_locations))) / "ops" / relpath
    name = "_fla_naive_" + relpath.replace("/", "_").removesuffix(".py")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


LIB = Path(__file__).resolve().parents[1] / "library"
B, T, H, K, V = 2, 20, 2, 8, 6
FP32_TOL = dict(rtol=1e-5, atol=1e-5)   # fla references compute in float32 (see module docstring)
FP64_TOL = dict(rtol=1e-10, atol=1e-10)  # both sides float64


def spec(name: str):
    return parse_file(LIB / f"{name}.lin")


def gen(seed: int = 0):
    g = torch.Generator().manual_seed(seed)

    def randn(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    return randn


def close(actual, expected, tol=FP32_TOL):
    torch.testing.assert_close(actual, expected.to(torch.float64), **tol)


def bhtd(x):
    """[B, T, H, ...] <-> [B, H, T, ...] (fla's head-first references)."""
    return x.transpose(1, 2)


# ---------------------------------------------------------------------------------------------------------
# Linear attention
# ---------------------------------------------------------------------------------------------------------

def test_linear_attn():
    fla = load_fla_naive("linear_attn/naive.py")
    r = gen(1)
    q, k, v, h0 = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    (o,), (S,) = run_naive(spec("linear_attn"), dict(q=q, k=k, v=v), initial_state=(h0,), output_final_state=True)
    # naive_recurrent_linear_attn adds initial_state to its float32 state without casting it: pass fp32.
    o_ref, S_ref = fla.naive_recurrent_linear_attn(q, k, v, initial_state=h0.float(), output_final_state=True,
                                                   normalize=False)
    close(o, o_ref)
    close(S, S_ref)


def _normalized_against_fla(name, phi, seed, features):
    """A normalized spec (o = S^T phi(q) / (z^T phi(q) + eps)) against fla's naive_recurrent_linear_attn with
    normalize=True on phi's features, from an initial state of `features` entries.

    fla divides by (scale q)^T z + 1e-10, i.e. eps = 1e-10/scale on our unscaled denominator z^T phi(q) (the specs'
    eps = 1e-6 follows Katharopoulos et al.'s released code); the numerator's scale cancels, so fla runs with
    scale=1 and our spec with eps overridden to 1e-10. fla applies no feature map itself: it gets phi(q), phi(k)."""
    fla = load_fla_naive("linear_attn/naive.py")
    text = (LIB / f"{name}.lin").read_text()
    assert "option eps = 1e-6" in text
    sp = parse_spec(text.replace("option eps = 1e-6", "option eps = 1e-10"))
    r = gen(seed)
    q, k, v = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V)
    h0, z0 = r(B, H, features, V), r(B, H, features).abs() + 0.5  # z is a running sum of positive features
    (o,), (S, z) = run_naive(sp, dict(q=q, k=k, v=v), initial_state=(h0, z0), output_final_state=True)
    o_ref, (S_ref, z_ref) = fla.naive_recurrent_linear_attn(phi(q), phi(k), v, scale=1.0,
                                                            initial_state=(h0.float(), z0.unsqueeze(1).float()),
                                                            output_final_state=True, normalize=True)
    close(o, o_ref)
    close(S, S_ref)
    close(z, z_ref.squeeze(1))


def test_linear_attn_normalized():
    _normalized_against_fla("linear_attn_normalized", lambda x: F.elu(x) + 1, 2, K)


def test_based():
    # fla's naive_parallel_based: (1 + s + s^2 / 2) with s = q^T k / sqrt(K), causal, divided by its row sum + 1e-6;
    # the spec builds the same kernel as phi(q)^T phi(k) with the Taylor feature map of dim 1 + K + K^2 (cat, kron)
    fla = load_fla_naive("based/naive.py")
    sp = spec("based")
    assert sp.derived_dims and sp.state("S").ty.dims == ("F", "V")
    r = gen(20)
    q, k, v = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V)
    (o,), (S, z) = run_naive(sp, dict(q=q, k=k, v=v), output_final_state=True)
    assert S.shape == (B, H, 1 + K + K * K, V)
    o_ref = fla.naive_parallel_based(bhtd(q), bhtd(k), bhtd(v))
    close(o, bhtd(o_ref), FP64_TOL)
    assert torch.equal(z[..., 0], torch.full((B, H), float(T), dtype=z.dtype))  # the constant feature counts tokens


def test_hedgehog():
    # fla's HedgehogFeatureMap with its identity-initialised layer is softmax(cat([2 x, -2 x])) (fla/modules/
    # feature_map.py; it imports triton, so the two lines are restated here)
    _normalized_against_fla("hedgehog", lambda x: torch.cat([2 * x, -2 * x], -1).softmax(-1), 21, 2 * K)


# ---------------------------------------------------------------------------------------------------------
# Scalar-decay models: RetNet, Lightning, Mamba-2 (fla: retention / simple_gla)
# ---------------------------------------------------------------------------------------------------------

def test_retnet():
    retention = load_fla_naive("retention/naive.py")
    sgla = load_fla_naive("simple_gla/naive.py")
    r = gen(3)
    q, k, v, h0 = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    sp = spec("retnet")
    # naive_retention: head-first layout, zero initial state, no final state; gamma_h = 1 - 2^(-5-h).
    (o,), _ = run_naive(sp, dict(q=q, k=k, v=v))
    close(o, bhtd(retention.naive_retention(bhtd(q), bhtd(k), bhtd(v))))
    # The state (from a non-zero initial state) through simple_gla with the same fixed per-head log decay.
    (o,), (S,) = run_naive(sp, dict(q=q, k=k, v=v), initial_state=(h0,), output_final_state=True)
    g = torch.log(1 - 2.0 ** (-5.0 - torch.arange(H, dtype=torch.float64))).expand(B, T, H)
    o_ref, S_ref = sgla.naive_recurrent_simple_gla(q, k, v, g, initial_state=h0, output_final_state=True)
    close(o, o_ref)
    close(S, S_ref)


@pytest.mark.parametrize("layer", [0, 5])
def test_lightning(layer):
    # fla's lightning_attn uses a different decay (see the spec header); compare with simple_gla under the
    # decay of the released TNL code: s_h = 2^(-8(h+1)/H) * (1 - l/(L-1) + 1e-5), L = 24 (the spec's default
    # layer l = 0, and l = 5 set by editing the option line, since run_naive overrides only `scale`).
    sgla = load_fla_naive("simple_gla/naive.py")
    text = (LIB / "lightning.lin").read_text()
    assert "option layer = 0" in text
    sp = parse_spec(text.replace("option layer = 0", f"option layer = {layer}"))
    r = gen(4)
    q, k, v, h0 = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    (o,), (S,) = run_naive(sp, dict(q=q, k=k, v=v), initial_state=(h0,), output_final_state=True)
    layers = 24
    s = 2.0 ** (-8.0 * (torch.arange(H, dtype=torch.float64) + 1) / H) * (1 - layer / (layers - 1) + 1e-5)
    o_ref, S_ref = sgla.naive_recurrent_simple_gla(q, k, v, (-s).expand(B, T, H), initial_state=h0,
                                                   output_final_state=True)
    close(o, o_ref)
    close(S, S_ref)


def test_mamba2():
    # SSD: h_t = exp(dt A) h + B (dt x)^T, y = h^T C + D x, with no 1/sqrt(K) scale -> simple_gla with
    # g = dt * A, v = dt * x, scale = 1; fla has no D skip, so it is added to fla's output here.
    sgla = load_fla_naive("simple_gla/naive.py")
    r = gen(5)
    q, k, v, h0 = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    dt = F.softplus(r(B, T, H))
    A, D = -torch.exp(r(H)), r(H)
    (o,), (S,) = run_naive(spec("mamba2"), dict(q=q, k=k, v=v, dt=dt, A=A, D=D), initial_state=(h0,),
                           output_final_state=True)
    o_ref, S_ref = sgla.naive_recurrent_simple_gla(q, k, v * dt[..., None], dt * A, scale=1.0, initial_state=h0,
                                                   output_final_state=True)
    close(o, o_ref + D[:, None] * v)
    close(S, S_ref)


# ---------------------------------------------------------------------------------------------------------
# Per-channel decay: GLA, HGRN2, RWKV-6
# ---------------------------------------------------------------------------------------------------------

def test_gla():
    fla = load_fla_naive("gla/naive.py")
    r = gen(6)
    q, k, v, h0 = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    g = F.logsigmoid(r(B, T, H, K))
    (o,), (S,) = run_naive(spec("gla"), dict(q=q, k=k, v=v, g=g), initial_state=(h0,), output_final_state=True)
    o_ref, S_ref = fla.naive_recurrent_gla(q, k, v, g, initial_state=h0, output_final_state=True)
    close(o, o_ref)
    close(S, S_ref)


def test_hgrn2():
    # fla's HGRN2Attention feeds chunk_gla with k = 1 - exp(g) (the input gate tied to the forget gate).
    fla = load_fla_naive("gla/naive.py")
    r = gen(7)
    q, v, h0 = r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    g = F.logsigmoid(r(B, T, H, K))
    (o,), (S,) = run_naive(spec("hgrn2"), dict(q=q, v=v, g=g), initial_state=(h0,), output_final_state=True)
    o_ref, S_ref = fla.naive_recurrent_gla(q, 1 - torch.exp(g), v, g, initial_state=h0, output_final_state=True)
    close(o, o_ref)
    close(S, S_ref)


def test_rwkv6():
    # naive_recurrent_rwkv6: head-first layout, w a log decay, u [H, K]; reads (S_{t-1} + diag(u) k v^T)^T
    # (scale r) before the update, scale defaulting to K^-0.5 like the spec's option.
    fla = load_fla_naive("rwkv6/recurrent_naive.py")
    r = gen(8)
    q, k, v, h0 = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    w, u = F.logsigmoid(r(B, T, H, K)), r(H, K)
    (o,), (S,) = run_naive(spec("rwkv6"), dict(r=q, k=k, v=v, w=w, u=u), initial_state=(h0,),
                           output_final_state=True)
    o_ref, S_ref = fla.naive_recurrent_rwkv6(bhtd(q), bhtd(k), bhtd(v), bhtd(w), u, initial_state=h0,
                                             output_final_state=True)
    close(o, bhtd(o_ref))
    close(S, S_ref)


# ---------------------------------------------------------------------------------------------------------
# Delta rules: DeltaNet, Gated DeltaNet, KDA, RWKV-7 (dplr)
# The specs L2-normalise q and k themselves (fla: use_qk_l2norm_in_kernel=True, done outside the naive
# references), so fla gets l2norm(q), l2norm(k) computed with lindsl's l2norm (fla's eps = 1e-6 convention).
# ---------------------------------------------------------------------------------------------------------

def test_deltanet():
    fla = load_fla_naive("delta_rule/naive.py")
    r = gen(9)
    q, k, v, h0 = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    beta = torch.sigmoid(r(B, T, H))
    (o,), (S,) = run_naive(spec("deltanet"), dict(q=q, k=k, v=v, beta=beta), initial_state=(h0,),
                           output_final_state=True)
    o_ref, S_ref = fla.delta_rule_recurrence(bhtd(l2norm(q)), bhtd(l2norm(k)), bhtd(v), bhtd(beta),
                                             initial_state=h0, output_final_state=True)
    close(o, bhtd(o_ref))
    close(S, S_ref)


def test_gated_deltanet():
    fla = load_fla_naive("gated_delta_rule/naive.py")
    r = gen(10)
    q, k, v, h0 = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    beta, g = torch.sigmoid(r(B, T, H)), F.logsigmoid(r(B, T, H))
    (o,), (S,) = run_naive(spec("gated_deltanet"), dict(q=q, k=k, v=v, g=g, beta=beta), initial_state=(h0,),
                           output_final_state=True)
    o_ref, S_ref = fla.naive_recurrent_gated_delta_rule(l2norm(q), l2norm(k), v, beta, g, initial_state=h0,
                                                        output_final_state=True)
    close(o, o_ref)
    close(S, S_ref)


def test_kda():
    fla = load_fla_naive("kda/naive.py")
    r = gen(11)
    q, k, v, h0 = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    beta, g = torch.sigmoid(r(B, T, H)), F.logsigmoid(r(B, T, H, K))
    (o,), (S,) = run_naive(spec("kda"), dict(q=q, k=k, v=v, g=g, beta=beta), initial_state=(h0,),
                           output_final_state=True)
    o_ref, S_ref = fla.naive_recurrent_kda(l2norm(q), l2norm(k), v, g, beta, initial_state=h0,
                                           output_final_state=True)
    close(o, o_ref)
    close(S, S_ref)


def test_rwkv7():
    # dplr_recurrence (head-first): S_t = diag(exp(gk)) S + beta (alpha^T S) + k v^T, so fla's alpha is our a
    # and fla's beta our b. It always scales q by d_k^-0.5, while RWKV-7 itself uses no scale (the spec's
    # `option scale = 1`, like fla's chunk_rwkv7 default), so the scale is passed explicitly here.
    fla = load_fla_naive("generalized_delta_rule/dplr/naive.py")
    r = gen(12)
    q, k, v, h0 = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V), r(B, H, K, V)
    kappa_raw, lr = r(B, T, H, K), torch.sigmoid(r(B, T, H, K))
    kappa = l2norm(kappa_raw)
    a, b = -kappa, kappa * lr   # RWKV-7: a = -kappa_hat, b = kappa_hat * a_lr (the spec forms them itself)
    w = F.logsigmoid(r(B, T, H, K))
    (o,), (S,) = run_naive(spec("rwkv7"), dict(r=q, k=k, v=v, kappa=kappa_raw, w=w, lr=lr), scale=K ** -0.5,
                           initial_state=(h0,), output_final_state=True)
    # dplr_recurrence casts everything but alpha to float32; cast alpha too so its einsum sees one dtype.
    o_ref, S_ref = fla.dplr_recurrence(bhtd(q), bhtd(k), bhtd(v), bhtd(a).float(), bhtd(b), bhtd(w),
                                       initial_state=h0, output_final_state=True)
    close(o, bhtd(o_ref))
    close(S, S_ref)


# ---------------------------------------------------------------------------------------------------------
# Routed multi-memory specs (no fla naive op): independent plain-PyTorch loops, float64
# ---------------------------------------------------------------------------------------------------------

def _l2(x):
    """x / sqrt(|x|^2 + 1e-6): fla's l2norm, written out independently of lindsl's."""
    return x / torch.sqrt((x * x).sum(-1, keepdim=True) + 1e-6)


def test_mom_gated_deltanet():
    # As in fla/layers/mom.py: softmax router, top-k, weights renormalised over the picked memories; each
    # memory runs the gated delta rule over only the tokens routed to it (identity step otherwise).
    M, top = 4, 2
    r = gen(13)
    q, k, v = r(B, T, H, K), r(B, T, H, M, K), r(B, T, H, M, V)
    g, beta, router = F.logsigmoid(r(B, T, H, M)), torch.sigmoid(r(B, T, H, M)), r(B, T, H, M)
    h0 = r(B, H, M, K, V)
    (o,), (S,) = run_naive(spec("mom_gated_deltanet"), dict(q=q, k=k, v=v, g=g, beta=beta, r=router),
                           initial_state=(h0,), output_final_state=True)

    scale = K ** -0.5
    Sr = h0.clone()
    o_ref = torch.zeros(B, T, H, V, dtype=torch.float64)
    for t in range(T):
        probs = torch.softmax(router[:, t], -1)
        picked_idx = probs.topk(top, -1).indices                       # [B, H, top]
        qt = scale * _l2(q[:, t])
        num = torch.zeros(B, H, V, dtype=torch.float64)
        den = torch.zeros(B, H, dtype=torch.float64)
        for m in range(M):
            picked = (picked_idx == m).any(-1)                           # [B, H]
            km = _l2(k[:, t, :, m])
            bm = beta[:, t, :, m, None, None]
            Sm = Sr[:, :, m]
            upd = torch.exp(g[:, t, :, m])[..., None, None] * (Sm - bm * km[..., None] * torch.einsum(
                "bhk,bhkv->bhv", km, Sm)[..., None, :]) + bm * km[..., None] * v[:, t, :, m, None, :]
            Sr[:, :, m] = torch.where(picked[..., None, None], upd, Sm)  # not picked: state kept as is
            wm = torch.where(picked, probs[..., m], torch.zeros_like(probs[..., m]))
            num += wm[..., None] * torch.einsum("bhkv,bhk->bhv", Sr[:, :, m], qt)
            den += wm
        o_ref[:, t] = num / den[..., None]
    close(o, o_ref, FP64_TOL)
    close(S, Sr, FP64_TOL)


def test_sse_gla():
    M = 3
    r = gen(14)
    q, k, v = r(B, T, H, K), r(B, T, H, K), r(B, T, H, V)
    g, router = F.logsigmoid(r(B, T, H, K)), r(B, T, H, M)
    s0, p0 = r(B, H, K, V), r(B, H, M, K, V)
    (o,), (S, P) = run_naive(spec("sse_gla"), dict(q=q, k=k, v=v, g=g, r=router), initial_state=(s0, p0),
                             output_final_state=True)

    scale = K ** -0.5
    Sr, Pr = s0.clone(), p0.clone()
    o_ref = torch.zeros(B, T, H, V, dtype=torch.float64)
    for t in range(T):
        decay = torch.exp(g[:, t])[..., None]                            # [B, H, K, 1]
        kv = k[:, t, ..., None] * v[:, t, :, None, :]                    # [B, H, K, V]
        Sr = decay * Sr + kv
        probs = torch.softmax(router[:, t], -1)
        best = probs.argmax(-1)                                          # top-1 partition
        o_t = torch.einsum("bhkv,bhk->bhv", Sr, scale * q[:, t])
        for bi in range(B):
            for hi in range(H):
                m = int(best[bi, hi])
                Pr[bi, hi, m] = decay[bi, hi] * Pr[bi, hi, m] + kv[bi, hi]  # other partitions untouched
                o_t[bi, hi] += probs[bi, hi, m] * (Pr[bi, hi, m].T @ (scale * q[bi, t, hi]))
        o_ref[:, t] = o_t
    close(o, o_ref, FP64_TOL)
    close(S, Sr, FP64_TOL)
    close(P, Pr, FP64_TOL)


def test_l2norm_matches_fla_convention():
    # The delta-rule tests feed fla l2norm(q), l2norm(k) from lindsl; fla's l2norm (fla.modules.l2norm,
    # triton) is x * rsqrt(sum(x^2) + 1e-6) over the last axis. Pin lindsl's to the same formula.
    x = gen(15)(3, K)
    torch.testing.assert_close(l2norm(x), _l2(x), **FP64_TOL)
    assert math.isclose(l2norm(torch.tensor([[3.0, 4.0]], dtype=torch.float64)).norm().item(), 1.0, rel_tol=1e-7)
