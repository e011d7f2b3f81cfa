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
