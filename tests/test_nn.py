"""lindsl.nn: the layer built from a spec (projections by role, short conv, output norm and gate) and the small
causal LM; cached generation (chunked prefill, then op.step per token) equals the full forward."""
from __future__ import annotations

import pytest
import torch

from lindsl.nn import CausalLM, LinearAttention, ShortConv
from shifted_specs import HAND, shifted_mutant


@pytest.mark.parametrize("name", ["gla", "gated_deltanet", "mamba2", "mom_gated_deltanet", "linear_attn_normalized",
                                  "based"])
def test_cached_generation_equals_full_forward(name):
    torch.manual_seed(0)
    m = CausalLM(name, vocab_size=40, d_model=16, n_layers=2, num_heads=2).double()
    ids = torch.randint(0, 40, (2, 11))
    full, _ = m(ids)
    logits, cache = m(ids[:, :4], use_cache=True)
    steps = [logits]
    for t in range(4, 11):
        step, cache = m(ids[:, t:t + 1], cache)
        steps.append(step)
    torch.testing.assert_close(torch.cat(steps, 1), full, rtol=1e-9, atol=1e-10)
    # a chunked continuation from the cache (more than one token) agrees as well
    _, cache = m(ids[:, :4], use_cache=True)
    rest, _ = m(ids[:, 4:], cache)
    torch.testing.assert_close(rest, full[:, 4:], rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("source", [pytest.param(HAND[n], id=n) for n in HAND]
                         + [pytest.param(shifted_mutant(s), id=f"mutant{s}") for s in (0, 2)])
def test_cached_generation_with_token_shifts(source):
    """Specs reading x[t-n]: the cache carries each shifted input's last n tokens ("prev"), so prefill + decode
    and prefill + a chunked continuation equal the full forward (with prompts shorter than the shift, too)."""
    torch.manual_seed(0)
    m = CausalLM(source, vocab_size=40, d_model=16, n_layers=2, num_heads=2).double()
    shifts = m.blocks[0].attn.shifted
    assert shifts
    ids = torch.randint(0, 40, (2, 11))
    full, _ = m(ids)
    for prompt in (1, 4):
        logits, cache = m(ids[:, :prompt], use_cache=True)
        assert {k: v.shape[1] for k, v in cache[0]["prev"].items()} == shifts
        steps = [logits]
        for t in range(prompt, 11):
            step, cache = m(ids[:, t:t + 1], cache)
            steps.append(step)
        torch.testing.assert_close(torch.cat(steps, 1), full, rtol=1e-9, atol=1e-10)
    _, cache = m(ids[:, :4], use_cache=True)
    rest, _ = m(ids[:, 4:], cache)
    torch.testing.assert_close(rest, full[:, 4:], rtol=1e-9, atol=1e-10)
    # without the carried tokens the continuation differs (the test would notice a cache that drops them)
    for c in cache:
        c["prev"] = {k: torch.zeros_like(v) for k, v in c["prev"].items()}
    wrong, _ = m(ids[:, 4:5], cache)
    assert not torch.allclose(wrong, full[:, 4:5])
    out = m.generate(ids[:, :3], 4)
    for t in range(3, 7):
        assert int(m(out[:, :t])[0][0, -1].argmax()) == int(out[0, t])


def test_lazy_subpackages():
    import lindsl
    assert lindsl.nn.CausalLM is CausalLM and callable(lindsl.search.mutate)


def test_generate_is_greedy_decoding_of_the_full_model():
    torch.manual_seed(1)
    m = CausalLM("gated_deltanet", vocab_size=30, d_model=16, n_layers=1, num_heads=1).double()
    prompt = torch.randint(0, 30, (1, 5))
    out = m.generate(prompt, 6)
    assert out.shape == (1, 11) and torch.equal(out[:, :5], prompt)
    for t in range(5, 11):
        logits, _ = m(out[:, :t])
        assert int(logits[0, -1].argmax()) == int(out[0, t])


def test_layer_is_a_drop_in_block_and_trains():
    torch.manual_seed(0)
    layer = LinearAttention("gated_deltanet", d_model=24, num_heads=3)
    assert layer.sizes == {"K": 8, "V": 8}
    names = {n.split(".")[1] for n, _ in layer.named_parameters() if n.startswith("inputs.")}
    assert names == {"q", "k", "v", "g", "beta"}
    assert layer.inputs["q"].conv is not None and layer.inputs["g"].conv is None
    h = torch.randn(2, 9, 24, requires_grad=True)
    y, cache = layer(h)
    assert y.shape == h.shape and cache is None
    y.square().mean().backward()
    missing = [n for n, p in layer.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert not missing, missing


def test_gates_follow_their_roles():
    torch.manual_seed(0)
    layer = LinearAttention("gla", d_model=16, num_heads=2)
    g, _ = layer.inputs["g"](torch.randn(1, 5, 16) * 10)
    assert g.shape == (1, 5, 2, 8) and (g <= 0).all() and (g >= -torch.log(torch.tensor(2.0)) * 100).all()
    layer = LinearAttention("mamba2", d_model=16, num_heads=2)
    dt, _ = layer.inputs["dt"](torch.randn(1, 5, 16))
    assert (dt > 0).all() and (layer.params["A"]() < 0).all() and torch.equal(layer.params["D"](), torch.ones(2))


def test_short_conv_is_causal_and_caches():
    conv = ShortConv(3, 4).double()
    x = torch.randn(2, 10, 3, dtype=torch.float64)
    y, _ = conv(x)
    x2 = x.clone()
    x2[:, 6:] += 1.0
    y2, _ = conv(x2)
    assert torch.equal(y[:, :6], y2[:, :6]) and not torch.allclose(y[:, 6:], y2[:, 6:])
    a, c = conv(x[:, :7])
    b, _ = conv(x[:, 7:], c)
    torch.testing.assert_close(torch.cat([a, b], 1), y)


def test_layer_errors():
    two_outputs = "lin two\ndim K, V\nin q[K], k[K], v[V]\nstate S[K, V]\nS = S + k v^T\nout a = S^T q\nout b = S^T k\n"
    with pytest.raises(ValueError, match="exactly one"):
        LinearAttention(two_outputs, d_model=8)
    with pytest.raises(ValueError, match="not base dims"):
        LinearAttention("gla", d_model=8, sizes={"X": 3})
    with pytest.raises(ValueError, match="derived: .'F', 'K2'."):
        LinearAttention("based", d_model=8, sizes={"F": 3})
    assert LinearAttention("based", d_model=8, num_heads=2, sizes={"K": 3}).state_size() == 2 * (13 * 4 + 13)

