"""The prologue and epilogue as generated per-row Triton kernels (lindsl.codegen.rows), taken by chunked calls on the
Triton engine where nothing needs a gradient: against the PyTorch engine in fp64 and against the PyTorch prologue
(LINDSL_TUNE_ROWS=0), for the library, token shifts carried between calls, every builtin and random specs of the
property generator; calls that need gradients keep the PyTorch prologue."""
import glob
import os

import pytest
import torch
from hypothesis import given, note

import lindsl
from lindsl.check import random_inputs, rel_err

pytest.importorskip("triton")

LIBRARY = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(os.path.dirname(__file__), "..", "library",
                                                                           "*.lin")))
SIZES = {"K": 5, "V": 12, "M": 2}
DEVICE = "cuda" if torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET") == "0" else "cpu"


def _flat(x):
    return [y for z in x for y in _flat(z)] if isinstance(x, (tuple, list)) else [x]


def _rows_call(op, args, monkeypatch, **kw):
    """The op on the Triton engine under no_grad with the rows kernels, counting their use."""
    calls = []
    mod = op.module
    real = mod._lindsl_prologue_rows

    def counted(*a, **k):
        calls.append(1)
        return real(*a, **k)
    monkeypatch.setattr(mod, "_lindsl_prologue_rows", counted)
    monkeypatch.setenv("LINDSL_TUNE_ROWS", "1")
    with torch.no_grad():
        out = op(*[x.to(DEVICE) for x in args.values()], backend="triton", output_final_state=True, chunk_size=16,
                 **kw)
    assert calls, "the rows kernels were not taken"
    return out


def _tensors(out):
    return [x.cpu() for x in _flat(out) if torch.is_tensor(x)]


@pytest.mark.parametrize("name", LIBRARY)
def test_library_rows_equal_fp64(name, monkeypatch):
    op = lindsl.load(name)
    if op.module.PROLOGUE_ROWS is not True:
        assert any(s.ty.mem or s.ty.kind != "mat" for s in op.spec.states), op.module.PROLOGUE_ROWS
        return
    args = random_inputs(op.spec, 2, 21, 3, SIZES, torch.float32, seed=1)
    got = _tensors(_rows_call(op, args, monkeypatch))
    ref = [x for x in _flat(op(*[x.double() for x in args.values()], backend="torch", output_final_state=True))
           if torch.is_tensor(x)]
    for a, b in zip(got, ref):
        assert torch.isfinite(a).all() and rel_err(a.double(), b) < 2e-5


def test_gradients_keep_the_torch_prologue(monkeypatch):
    """A call whose inputs need gradients does not take the rows kernels (they have no backward)."""
    op = lindsl.load("mamba2")
    monkeypatch.setattr(op.module, "_lindsl_prologue_rows", lambda *a, **k: pytest.fail("rows kernels taken"))
    args = random_inputs(op.spec, 1, 8, 2, SIZES, torch.float32, seed=2)
    xs = [x.to(DEVICE).requires_grad_(True) for x in args.values()]
    op(*xs, backend="triton")[0].sum().backward()
    assert all(x.grad is not None for x in xs)


def test_bf16_matches_the_torch_prologue(monkeypatch):
    """bf16 inputs: the rows kernels' outputs against the PyTorch prologue's on the same engine (the interpreter
    truncates fp32 to bf16 where a GPU rounds: a looser bound there)."""
    op = lindsl.load("mamba2")
    args = {k: v.to(torch.bfloat16) for k, v in random_inputs(op.spec, 2, 40, 2, {"K": 16, "V": 16}, torch.float32,
                                                             seed=3).items()}
    got = _tensors(_rows_call(op, args, monkeypatch))
    monkeypatch.setenv("LINDSL_TUNE_ROWS", "0")
    with torch.no_grad():
        ref = _flat(op(*[x.to(DEVICE) for x in args.values()], backend="triton", output_final_state=True,
                       chunk_size=16))
    tol = 8e-3 if DEVICE == "cuda" else 2.5e-2
    for a, b in zip(got, ref):
        assert a.dtype == b.dtype and rel_err(a.double(), b.cpu().double()) < tol


def test_token_shifts_continue_between_calls(monkeypatch):
    """A sequence in two chunked calls without gradients, the second continuing from the first's state and carried
    tokens, equals one fp64 call over the whole sequence."""
    from shifted_specs import HAND
    op = lindsl.load(HAND["delta_shift2"])
    assert op.module.PROLOGUE_ROWS is True
    args = random_inputs(op.spec, 2, 21, 2, SIZES, torch.float32, seed=4)
    full, fin = op(*[x.double() for x in args.values()], backend="torch", output_final_state=True)
    cut = lambda a, b: {k: (x[:, a:b] if op.spec.input(k).kind == "input" else x) for k, x in args.items()}  # noqa
    o1, s1, p1 = _rows_call(op, cut(0, 9), monkeypatch, output_prev_inputs=True)
    assert set(p1) == set(op.shifts)
    o2, s2 = _rows_call(op, cut(9, 21), monkeypatch, initial_state=s1, prev_inputs=p1)
    assert rel_err(torch.cat([o1, o2], 1).double().cpu(), full) < 2e-5 and rel_err(s2.double().cpu(), fin) < 2e-5


def test_every_builtin(monkeypatch):
    from test_fused_step import BUILTINS
    op = lindsl.load(BUILTINS)
    assert op.module.PROLOGUE_ROWS is True
    args = random_inputs(op.spec, 1, 20, 2, {"K": 6, "V": 10}, torch.float32, seed=5)
    args["a"] = args["a"] * 12
    got = _tensors(_rows_call(op, args, monkeypatch))
    ref = [x for x in _flat(op(*[x.double() for x in args.values()], backend="torch", output_final_state=True))]
    for a, b in zip(got, ref):
        assert rel_err(a.double(), b) < 2e-5


from test_properties import lin_specs, random_spec_settings  # noqa: E402


@random_spec_settings("LINDSL_ROWS_EXAMPLES", 4)
@given(lin_specs())
def test_random_specs_rows_equal_fp64(text):
    note(text)
    op = lindsl.load(text)
    if op.module.PROLOGUE_ROWS is not True:
        return
    args = random_inputs(op.spec, 1, 10, 2, SIZES, torch.float32, seed=6)
    with pytest.MonkeyPatch.context() as mp:
        got = _tensors(_rows_call(op, args, mp))
    ref = [x for x in _flat(op(*[x.double() for x in args.values()], backend="torch", output_final_state=True))
           if torch.is_tensor(x)]
    for a, b in zip(got, ref):
        assert rel_err(a.double(), b) < 5e-5
