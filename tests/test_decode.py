"""The fused-recurrent (decode) form: token by token with the state carried, equal to the chunked op, both on the
PyTorch engine and as a Triton kernel (interpreter); decoding one token at a time reproduces a whole sequence."""
import glob
import os

import pytest
import torch

import lindsl
from lindsl.check import random_inputs, rel_err
from lindsl.runtime.naive import state_shape

SPECS = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(os.path.dirname(__file__), "..", "library",
                                                                          "*.lin")))
SIZES = {"K": 4, "V": 4, "M": 2}


def _init(spec, B, H, dtype, seed=5):
    g = torch.Generator().manual_seed(seed)
    st = tuple(torch.randn(state_shape(s, B, H, SIZES), generator=g, dtype=dtype) for s in spec.states)
    return st[0] if len(st) == 1 else st


@pytest.mark.parametrize("name", SPECS)
@pytest.mark.parametrize("backend", ["torch", "triton"])
def test_recurrent_equals_chunked(name, backend):
    if backend == "triton":
        pytest.importorskip("triton")
    op = lindsl.load(name)
    args = random_inputs(op.spec, 2, 9, 2, SIZES, torch.float32, seed=2)
    h0 = _init(op.spec, 2, 2, torch.float32)
    o1, f1 = op(*args.values(), initial_state=h0, output_final_state=True, backend="torch")
    o2, f2 = op.step(*args.values(), initial_state=h0, output_final_state=True, backend=backend)
    assert op.last_backend == backend
    for a, b in zip((o2, *(f2 if isinstance(f2, tuple) else (f2,))), (o1, *(f1 if isinstance(f1, tuple) else (f1,)))):
        assert rel_err(a, b) < 1e-5


@pytest.mark.parametrize("name", ["gated_deltanet", "rwkv6", "sse_gla"])
def test_token_by_token_decoding(name):
    op = lindsl.load(name)
    args = random_inputs(op.spec, 1, 6, 2, SIZES, torch.float64, seed=4)
    full, fin = op(*args.values(), output_final_state=True)
    state, outs = None, []
    for t in range(6):
        tok = {k: (x[:, t:t + 1] if op.spec.input(k).kind == "input" else x) for k, x in args.items()}
        o, state = op.step(*tok.values(), initial_state=state, output_final_state=True)
        outs.append(o)
    torch.testing.assert_close(torch.cat(outs, 1), full)
    for a, b in zip(state if isinstance(state, tuple) else (state,), fin if isinstance(fin, tuple) else (fin,)):
        torch.testing.assert_close(a, b)
