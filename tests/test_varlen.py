"""cu_seqlens: packed sequences (B = 1), each with its own initial and final state, a zero-length one included."""
import pytest
import torch

import lindsl
from lindsl.check import random_inputs


@pytest.mark.parametrize("name", ["gated_deltanet", "rwkv6", "sse_gla"])
def test_varlen_equals_separate_calls(name):
    op = lindsl.load(name)
    sizes = {"K": 4, "V": 3, "M": 3}
    args = random_inputs(op.spec, 1, 30, 2, sizes)
    cu = torch.tensor([0, 7, 7, 19, 30])
    n = len(op.spec.states)
    from lindsl.runtime.naive import state_shape
    h0 = tuple(torch.randn((4,) + state_shape(st, 1, 2, sizes)[1:], dtype=torch.float64) for st in op.spec.states)
    h0_arg = h0[0] if n == 1 else h0
    o, f = op(*args.values(), initial_state=h0_arg, output_final_state=True, cu_seqlens=cu)
    f = f if isinstance(f, tuple) else (f,)
    for i, (lo, hi) in enumerate(zip(cu[:-1].tolist(), cu[1:].tolist())):
        if hi == lo:
            for fs, h in zip(f, h0):
                assert torch.equal(fs[i], h[i])
            continue
        sub = {k: (x[:, lo:hi] if op.spec.input(k).kind == "input" else x) for k, x in args.items()}
        hi0 = tuple(h[i:i + 1] for h in h0)
        o2, f2 = op(*sub.values(), initial_state=hi0[0] if n == 1 else hi0, output_final_state=True)
        f2 = f2 if isinstance(f2, tuple) else (f2,)
        torch.testing.assert_close(o[:, lo:hi], o2)
        for a, b in zip(f, f2):
            torch.testing.assert_close(a[i:i + 1], b)


def test_varlen_rejects_bad_boundaries():
    op = lindsl.load("gla")
    args = random_inputs(op.spec, 1, 10, 1, {"K": 4, "V": 3})
    with pytest.raises(ValueError, match="cu_seqlens must rise"):
        op(*args.values(), cu_seqlens=torch.tensor([0, 5, 9]))
    args2 = random_inputs(op.spec, 2, 10, 1, {"K": 4, "V": 3})
    with pytest.raises(ValueError, match="batch size must be 1"):
        op(*args2.values(), cu_seqlens=torch.tensor([0, 10]))


SHIFT_SPEC = """lin shifted
dim K, V
in q[K], k[K], v[V]
in g[K]: loggate
let ks = 0.5 * k + 0.5 * k[t-1]
state S[K, V]
S = diag(exp(g)) S + ks v^T
out o = S^T q + v[t-2]
"""


@pytest.mark.parametrize("src", ["deltanet", SHIFT_SPEC])
def test_varlen_gradients_and_token_shift_restart(src):
    op = lindsl.load(src)
    args = random_inputs(op.spec, 1, 25, 2, {"K": 4, "V": 3})
    for x in args.values():
        x.requires_grad_(True)
    cu = torch.tensor([0, 6, 6, 14, 25])
    h0 = torch.randn(4, 2, 4, 3, dtype=torch.float64, requires_grad=True)
    o, f = op(*args.values(), initial_state=h0, output_final_state=True, cu_seqlens=cu)
    w = torch.randn_like(o)
    g1 = torch.autograd.grad((o * w).sum() + f.square().sum(), list(args.values()) + [h0])
    total = 0
    for i, (lo, hi) in enumerate(zip(cu[:-1].tolist(), cu[1:].tolist())):
        if hi == lo:
            total = total + h0[i].square().sum()
            continue
        sub = [x[:, lo:hi] for x in args.values()]
        o2, f2 = op(*sub, initial_state=h0[i:i + 1], output_final_state=True)
        total = total + (o2 * w[:, lo:hi]).sum() + f2.square().sum()
    g2 = torch.autograd.grad(total, list(args.values()) + [h0])
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b)
