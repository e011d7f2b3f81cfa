"""The prologue and epilogue as generated per-row Triton kernels (lindsl.codegen.rows), taken by chunked calls on the
Triton engine: without gradients against the PyTorch engine in fp64 and against the PyTorch prologue
(LINDSL_TUNE_ROWS=0), for the library, token shifts carried between calls, every builtin and random specs of the
property generator; with gradients (their backward kernels, lindsl.passes.vjp) every input's, param's and the initial
state's gradient against the compiled PyTorch prologue's autograd (LINDSL_TUNE_ROWS_GRAD=0) for the same."""
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
from devices import DEVICE  # noqa: E402


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
        assert op.module.PROLOGUE_ROWS == "a routed state" and any(s.ty.mem for s in op.spec.states)
        return
    args = random_inputs(op.spec, 2, 21, 3, SIZES, torch.float32, seed=1)
    got = _tensors(_rows_call(op, args, monkeypatch))
    ref = [x for x in _flat(op(*[x.double() for x in args.values()], backend="torch", output_final_state=True))
           if torch.is_tensor(x)]
    for a, b in zip(got, ref):
        assert torch.isfinite(a).all() and rel_err(a.double(), b) < 2e-5


@pytest.mark.parametrize("which", ["FEATURES", "SOFTMAX_FEATURES"])
def test_feature_maps_in_the_rows_prologue(which, monkeypatch):
    """cat() and kron() in the rows prologue without gradients: equal to fp64. With gradients cat()'s rows backward
    is derived (SOFTMAX_FEATURES, Hedgehog's map), kron()'s and a token shift's are not: calls with gradients take
    the PyTorch prologue there, which ROWS_GRAD names."""
    import test_fused_step
    op = lindsl.load(getattr(test_fused_step, which))
    assert op.module.PROLOGUE_ROWS is True and op.module.ROWS_GRAD in (
        (True,) if which == "SOFTMAX_FEATURES" else
        ("the prologue's backward: kron()", "the prologue's backward: a token shift (its gradient reaches another "
                                            "token's row)"))
    args = random_inputs(op.spec, 2, 21, 3, {"K": 5, "V": 7}, torch.float32, seed=3)
    got = _tensors(_rows_call(op, args, monkeypatch))
    ref = [x for x in _flat(op(*[x.double() for x in args.values()], backend="torch", output_final_state=True))
           if torch.is_tensor(x)]
    for a, b in zip(got, ref):
        assert torch.isfinite(a).all() and rel_err(a.double(), b) < 2e-5


CAT_GRAD = """lin cat_grad
dim K, V
dim F = 1 + K + K
dim F1 = 1 + K
in q[K], k[K], v[V], a
in g: loggate
let fk = cat(sigmoid(a), l2norm(k), k * k)
state S[F, V]
S = exp(g) * S + fk v^T
out o = S^T cat(1, q, tanh(q)) + v * sum(cat(a, q))
"""


@pytest.mark.parametrize("text", [CAT_GRAD, "hedgehog"], ids=["parts", "hedgehog"])
def test_cat_gradients_in_the_rows_backward(text, monkeypatch):
    """cat()'s vector-Jacobian product in the rows backward: each part takes the cotangent's entries at its offset (a
    vector part the cotangent read again at its shifted indices, a scalar part its one entry; a softmax over the
    concatenation in Hedgehog's map, cat() inside the epilogue too): every gradient equals the PyTorch prologue's."""
    op = lindsl.load(text)
    assert op.module.ROWS_GRAD is True
    base = random_inputs(op.spec, 1, 18, 2, {"K": 5, "V": 6}, torch.float32, gate_scale=2.0, seed=14)
    _agree(_grad_call(op, base, True, monkeypatch), _grad_call(op, base, False, monkeypatch), 2e-5)


def _grad_call(op, base, grad_rows, monkeypatch, scale=1.0):
    """[output(s), final state, every input's gradient] on the Triton engine with the rows kernels' backward
    (grad_rows) or the PyTorch prologue's autograd, asserting which one ran."""
    calls = []
    real = op.module._lindsl_prologue_rows

    def counted(*a, **k):
        calls.append(k.get("grad", False))
        return real(*a, **k)
    monkeypatch.setattr(op.module, "_lindsl_prologue_rows", counted)
    monkeypatch.setenv("LINDSL_TUNE_ROWS_GRAD", "1" if grad_rows else "0")
    xs = [(x * scale).to(DEVICE).requires_grad_(True) for x in base.values()]
    o, f = op(*xs, backend="triton", output_final_state=True, chunk_size=16)
    outs = _flat(o)
    loss = sum((y.float() * torch.arange(y.numel(), device=y.device).reshape(y.shape).cos()).sum() for y in outs)
    finals = _flat(f)  # (one per state)
    loss = loss + sum((s.float() * 0.5).sum() for s in finals)
    assert calls == ([True] if grad_rows else []), calls
    grads = torch.autograd.grad(loss, xs, allow_unused=True)
    return [y.cpu() for y in outs + finals + [torch.zeros_like(x) if g is None else g for x, g in zip(xs, grads)]]


def _agree(got, ref, tol):
    for a, b in zip(got, ref):
        assert a.dtype == b.dtype and torch.isfinite(a).all() and rel_err(a.double(), b.double()) < tol


@pytest.mark.parametrize("name", LIBRARY)
def test_library_gradients_equal_the_torch_prologue(name, monkeypatch):
    """Every library spec whose rows kernels have a backward: outputs, final state and every gradient equal the PyTorch
    prologue's autograd (fp32); the others say why not."""
    op = lindsl.load(name)
    if op.module.ROWS_GRAD is not True:
        assert op.module.ROWS_GRAD in ("a routed state", "the prologue's backward: kron()"), op.module.ROWS_GRAD
        return
    base = random_inputs(op.spec, 1, 18, 2, SIZES, torch.float32, gate_scale=2.0, seed=7)
    _agree(_grad_call(op, base, True, monkeypatch), _grad_call(op, base, False, monkeypatch), 2e-5)


def test_every_builtin_gradient_at_extreme_inputs(monkeypatch):
    """Each builtin's derivative (relu, abs, min, max at their kinks included, pow of negative bases, softmax, l2norm,
    sum, params summed over tokens), inputs up to |36|, against the PyTorch prologue's autograd."""
    from test_fused_step import BUILTINS
    op = lindsl.load(BUILTINS)
    assert op.module.ROWS_GRAD is True
    base = random_inputs(op.spec, 1, 20, 2, {"K": 6, "V": 10}, torch.float32, seed=8)
    base["a"] = base["a"] * 12
    base["x"][..., 0] = 0.5  # min(x, 0.5)'s tie
    _agree(_grad_call(op, base, True, monkeypatch), _grad_call(op, base, False, monkeypatch), 1e-4)


def test_bf16_gradients_match_the_torch_prologue(monkeypatch):
    """bf16 inputs: gradients in the inputs' dtype, within bf16 rounding of the PyTorch prologue's."""
    op = lindsl.load("gated_deltanet")
    base = {k: v.to(torch.bfloat16) for k, v in random_inputs(op.spec, 2, 40, 2, {"K": 16, "V": 16}, torch.float32,
                                                             seed=9).items()}
    _agree(_grad_call(op, base, True, monkeypatch), _grad_call(op, base, False, monkeypatch), 1e-2)


@pytest.mark.parametrize("merged", [True, False])
def test_bf16_epilogue_gives_the_read_its_cotangent_in_bf16(merged, monkeypatch):
    """Mamba-2's epilogue o = S^T q + D v with bf16 inputs: the rows backward gives the read its cotangent in the
    read's dtype (bf16, which autograd would cast an fp32 one to: on the H200 a 95 us copy per call at
    2x16384x16x128), here the output's cotangent itself (the read's is it unchanged: no copy written, 128 MB less
    at that shape), and the gradients stay within bf16 rounding of the PyTorch prologue's; with the rows backwards
    merged (the epilogue's launching nothing) and without (ROWS_MERGED_BWD=0)."""
    op = lindsl.load("mamba2")
    monkeypatch.setenv("LINDSL_TUNE_ROWS_MERGED_BWD", "1" if merged else "0")
    name = "_epilogue_handed_grads" if merged else "_epilogue_rows_grads"
    cotangents, grads = [], getattr(op.module, name)

    def recorded(*args, **kwargs):
        cotangents.append((args[1], grads(*args, **kwargs)))
        return cotangents[-1][1]
    monkeypatch.setitem(op.module.__dict__, name, recorded)
    base = {k: v.to(torch.bfloat16) for k, v in random_inputs(op.spec, 2, 40, 2, {"K": 16, "V": 16}, torch.float32,
                                                             seed=10).items()}
    rows = _grad_call(op, base, True, monkeypatch)
    cts, made = cotangents[0]
    n = len(op.module._ROWS_INPUTS)
    read = made[n]
    assert read is cts[0] and read.dtype == torch.bfloat16
    assert made[n + 1:] == ([cts[0]] if merged else [])  # the carrier's: the output's cotangent
    _agree(rows, _grad_call(op, base, False, monkeypatch), 1e-2)


def test_input_of_both_rows_kernels_gets_one_gradient(monkeypatch):
    """Mamba-2's v reaches the prologue (v0 = dt v) and the epilogue (D v): with the rows backwards not merged
    (ROWS_MERGED_BWD=0) the epilogue takes it as an output of the prologue's function (an alias), so the epilogue's
    part of dv is a cotangent of that function, whose backward kernel adds it into the one dv it writes (no second
    gradient for autograd to add: one pass and a buffer less); the gradients equal the PyTorch prologue's (bf16)."""
    monkeypatch.setenv("LINDSL_TUNE_ROWS_MERGED_BWD", "0")
    op = lindsl.load("mamba2")
    assert op.module._ROWS_INPUTS.index("v") == 2
    cts, grads = [], op.module._prologue_rows_grads

    def recorded(tensors, cotangents, *args):
        cts.append(cotangents)
        return grads(tensors, cotangents, *args)
    monkeypatch.setitem(op.module.__dict__, "_prologue_rows_grads", recorded)
    base = {k: v.to(torch.bfloat16) for k, v in random_inputs(op.spec, 2, 40, 2, {"K": 16, "V": 16}, torch.float32,
                                                             seed=11).items()}
    xs = {k: v.to(DEVICE).clone().requires_grad_(True) for k, v in base.items()}
    o, _ = op(*xs.values(), backend="triton", chunk_size=16)
    epilogue = o.grad_fn
    v_edge = epilogue.next_functions[2][0]  # (one edge per tensor input: _ROWS_INPUTS, then the reads)
    assert type(v_edge).__name__ == "_RowsGradBackward" and v_edge is not epilogue  # the prologue's, not v's own
    rows = _grad_call(op, base, True, monkeypatch)
    assert len(cts[-1]) == 3 and cts[-1][2].abs().sum() > 0  # v0, the log-gate and the alias's cotangent (D dO)
    _agree(rows, _grad_call(op, base, False, monkeypatch), 1e-2)


@pytest.mark.parametrize("name,passes,merged", [("rwkv6", ["r", "k", "v"], "1"), ("rwkv6", ["r", "k", "v"], "0"),
                                                ("hgrn2", ["g"], "1"), ("kda", ["g"], "1"), ("mamba2", [], "1")])
def test_core_inputs_a_rows_backward_differentiates_get_one_gradient(name, passes, merged, monkeypatch):
    """An input a core takes as it stands whose gradient a rows backward also writes (RWKV-6's r, k, v in its bonus
    term; the gate HGRN2's k0 = 1 - exp(g) and KDA's decayed a0 take) is an output of the prologue's autograd
    function (a pass), so the cores' part of its gradient reaches the rows backward kernel, which adds it: no input
    gets two gradients for autograd to add (its add, two reads and a write of the input's size), merged rows
    backwards or not; every bf16 gradient within bf16 rounding of the PyTorch prologue's."""
    import traceback

    from torch.utils._python_dispatch import TorchDispatchMode

    class AutogradAdds(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.shapes = []

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            if func.overloadpacket.__name__ in ("add", "add_") and not any(
                    "lindsl" in f.filename or f.filename == op.module.__file__ for f in traceback.extract_stack()):
                self.shapes.append(tuple(args[0].shape))
            return func(*args, **(kwargs or {}))

    monkeypatch.setenv("LINDSL_TUNE_ROWS_MERGED_BWD", merged)
    monkeypatch.setenv("LINDSL_TUNE_ROWS_GRAD", "1")
    op = lindsl.load(name)
    assert [leaf for _, leaf in op.module.ROWS_PASSES] == passes
    base = {k: v.to(torch.bfloat16) for k, v in random_inputs(op.spec, 2, 40, 2, {"K": 16, "V": 16}, torch.float32,
                                                             seed=13).items()}
    xs = {k: v.to(DEVICE).clone().requires_grad_(True) for k, v in base.items()}
    o, _ = op(*xs.values(), backend="triton", chunk_size=16)
    seen = AutogradAdds()
    with seen:
        torch.autograd.grad(o.float().sum(), list(xs.values()))
    assert seen.shapes == []
    _agree(_grad_call(op, base, True, monkeypatch), _grad_call(op, base, False, monkeypatch), 1e-2)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_merged_rows_backward(dtype, monkeypatch):
    """Mamba-2's rows backwards in one kernel (the default): the epilogue's function takes the prologue's carrier,
    its backward launches nothing and hands the output's cotangent on; the prologue's merged kernel runs once and
    neither kernel of the two-kernel form does; every gradient equals the two kernels' (fp32: to rounding; bf16:
    within its rounding) and the PyTorch prologue's."""
    op = lindsl.load("mamba2")
    mod = op.module
    calls = {"_merged_rows_grads": [], "_prologue_rows_grads": [], "_epilogue_rows_grads": []}
    for fname, seen in calls.items():
        monkeypatch.setitem(mod.__dict__, fname, lambda ts, cts, *a, _f=getattr(mod, fname), _s=seen: _s.append(cts)
                            or _f(ts, cts, *a))
    base = {k: v.to(dtype) for k, v in random_inputs(op.spec, 2, 40, 2, {"K": 16, "V": 16}, torch.float32,
                                                    seed=12).items()}
    xs = {k: v.to(DEVICE).clone().requires_grad_(True) for k, v in base.items()}
    monkeypatch.setenv("LINDSL_TUNE_ROWS_GRAD", "1")
    o, _ = op(*xs.values(), backend="triton", chunk_size=16)
    n = len(mod._ROWS_INPUTS)
    carrier_edge = o.grad_fn.next_functions[n + 1][0]  # (_ROWS_INPUTS, the read, then the carrier)
    assert type(carrier_edge).__name__ == "_RowsGradBackward" and carrier_edge is not o.grad_fn
    merged = _grad_call(op, base, True, monkeypatch)
    assert [len(v) for v in calls.values()] == [1, 0, 0]
    assert len(calls["_merged_rows_grads"][0]) == 3  # the log-gate's, v0's and the carrier's cotangents
    monkeypatch.setenv("LINDSL_TUNE_ROWS_MERGED_BWD", "0")
    two = _grad_call(op, base, True, monkeypatch)
    assert [len(v) for v in calls.values()] == [1, 1, 1]
    _agree(merged, two, 1e-6 if dtype == torch.float32 else 1e-2)
    # (on the GPU the compiled PyTorch prologue's values differ from the kernel's in the last bits, which the cores'
    # tf32 products carry into dA, a sum of cancelling terms: 1.1e-4 there, session 55)
    _agree(merged, _grad_call(op, base, False, monkeypatch),
           1e-2 if dtype != torch.float32 else 2e-5 if DEVICE == "cpu" else 1e-3)


@pytest.mark.parametrize("name,passed", [("mamba2", [("read", "read0", 0)]), ("rwkv6", [("read", "read0", 0)]),
                                         ("gla", [])])
def test_rows_backward_passes_on_unchanged_cotangents(name, passed):
    """A cotangent that is one value's as it stands (a read added to an output) is not written by the rows backward
    kernel but passed on; a kernel whose every cotangent is so (GLA's o = S^T q) keeps them (it would write
    nothing)."""
    from codegen.rows import backward_kernel, epilogue_kernel
    from lindsl.passes.normalize import normalize
    spec = lindsl.parse_file(os.path.join(os.path.dirname(__file__), "..", "library", name + ".lin"))
    n = normalize(spec)
    epi = epilogue_kernel(spec, n.epilogue, [r.ty.dims[0] if r.ty.dims else None for r in n.reads], {})
    bwd = backward_kernel(spec, "_epilogue_rows_bwd_kernel", epi.values, {}, epi.reads)
    assert bwd.passed == passed
    assert not {(kind, leaf) for kind, leaf, _ in passed} & {(kind, leaf) for kind, leaf, _ in bwd.grads}


@pytest.mark.parametrize("knob,taken", [(None, True), ("0", False), ("1", True)])
def test_gradients_take_the_rows_kernels_unless_the_knob_says_not(knob, taken, monkeypatch):
    """With LINDSL_TUNE_ROWS_GRAD unset a call whose inputs need gradients takes the rows kernels (at every size since
    session 46); the knob's 0 keeps the PyTorch prologue."""
    op = lindsl.load("mamba2")
    if knob is None:
        monkeypatch.delenv("LINDSL_TUNE_ROWS_GRAD", raising=False)
    else:
        monkeypatch.setenv("LINDSL_TUNE_ROWS_GRAD", knob)
    assert not hasattr(op.module, "ROWS_GRAD_MAX")
    calls = []
    real = op.module._lindsl_prologue_rows
    monkeypatch.setattr(op.module, "_lindsl_prologue_rows", lambda *a, **k: calls.append(1) or real(*a, **k))
    xs = [x.to(DEVICE).requires_grad_(True) for x in random_inputs(op.spec, 1, 8, 2, SIZES, torch.float32).values()]
    op(*xs, backend="triton")[0].sum().backward()
    assert all(x.grad is not None for x in xs)
    assert bool(calls) == taken


def test_token_shifts_keep_the_torch_prologue_for_gradients(monkeypatch):
    """A shifted input's gradient reaches another token's row: no rows backward, and the reason says so."""
    from shifted_specs import HAND
    op = lindsl.load(HAND["delta_shift2"])
    assert "token shift" in op.module.ROWS_GRAD
    monkeypatch.setenv("LINDSL_TUNE_ROWS_GRAD", "1")
    monkeypatch.setattr(op.module, "_lindsl_prologue_rows", lambda *a, **k: pytest.fail("rows kernels taken"))
    xs = [x.to(DEVICE).requires_grad_(True) for x in random_inputs(op.spec, 1, 8, 2, SIZES, torch.float32).values()]
    op(*xs, backend="triton")[0].sum().backward()
    assert all(x.grad is not None for x in xs)


def test_bf16_matches_the_torch_prologue(monkeypatch):
    """bf16 inputs: the rows kernels' outputs against the PyTorch prologue's on the same engine (the interpreter's
    casts round to bf16 as a GPU's do: lindsl.runtime.interpreter)."""
    op = lindsl.load("mamba2")
    args = {k: v.to(torch.bfloat16) for k, v in random_inputs(op.spec, 2, 40, 2, {"K": 16, "V": 16}, torch.float32,
                                                             seed=3).items()}
    got = _tensors(_rows_call(op, args, monkeypatch))
    monkeypatch.setenv("LINDSL_TUNE_ROWS", "0")
    with torch.no_grad():
        ref = _flat(op(*[x.to(DEVICE) for x in args.values()], backend="triton", output_final_state=True,
                       chunk_size=16))
    for a, b in zip(got, ref):
        assert a.dtype == b.dtype and rel_err(a.double(), b.cpu().double()) < 8e-3


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


@random_spec_settings("LINDSL_ROWS_EXAMPLES", 3)
@given(lin_specs())
def test_random_specs_rows_equal_fp64_and_their_gradients_the_torch_prologue(text):
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
    if op.module.ROWS_GRAD is True:
        with pytest.MonkeyPatch.context() as mp:
            _agree(_grad_call(op, args, True, mp), _grad_call(op, args, False, mp), 1e-4)


class _Launches:
    """A Triton kernel whose launches (kernel[grid](...)) are counted in a list."""

    def __init__(self, kernel, seen):
        self.kernel, self.seen = kernel, seen

    def __getitem__(self, grid):
        def launch(*args, **kwargs):
            self.seen.append(kwargs.get("CUM"))
            return self.kernel[grid](*args, **kwargs)
        return launch


@pytest.mark.parametrize("name,scalar", [("mamba2", True), ("retnet", True), ("gated_deltanet", True),
                                         ("hgrn2", False), ("kda", False)])
def test_prologue_writes_the_gate_sums_within_chunks(name, scalar, monkeypatch):
    """The rows prologue's gated form: its blocks the forward scan's chunks, it also writes the key gate's sums within
    them (scalar: Mamba-2's dt A, RetNet's constant per head, Gated DeltaNet's g with the exclusive sums of its
    rank-one factor; per key: HGRN2's g passed through, KDA's), so the forward launches no _chunk_cumsum_kernel, and
    a scalar gate's sums serve the backward's rescan too (one launch fewer there); outputs, final state and every
    gradient bit for bit those of the scans' own sums (LINDSL_TUNE_PROLOGUE_CUM=0; on a GPU within fp32 rounding),
    at T past a chunk."""
    op = lindsl.load(name)
    args = {k: v.to(DEVICE) for k, v in random_inputs(op.spec, 1, 77, 2, {"K": 8, "V": 8, "M": 2}, torch.float32,
                                                    seed=3).items()}
    mod = op.module
    res, launches = {}, {}
    for on in ("1", "0"):
        cums, pro = [], []
        monkeypatch.setenv("LINDSL_TUNE_PROLOGUE_CUM", on)
        monkeypatch.setattr(mod, "_chunk_cumsum_kernel", _Launches(mod._chunk_cumsum_kernel, cums))
        monkeypatch.setattr(mod, "_prologue_rows_kernel", _Launches(mod._prologue_rows_kernel, pro))
        with torch.no_grad():
            res[on] = _flat(op(*args.values(), backend="triton", output_final_state=True))
        assert pro == [on == "1"]  # the prologue's CUM flag
        assert (len(cums) == 0) == (on == "1")
        pro.clear()
        xs = [x.detach().requires_grad_(x.is_floating_point()) for x in args.values()]
        o, final = op(*xs, backend="triton", output_final_state=True)
        forward = len(cums)
        weights = torch.linspace(-1, 1, o.numel(), device=o.device).reshape(o.shape)
        (o * weights).sum().add((final * final).sum()).backward()
        res[on] += [o, final] + [x.grad for x in xs if x.grad is not None]
        launches[on] = (forward, len(cums) - forward)
        monkeypatch.undo()
    assert launches["1"][0] == 0 and launches["0"][0] > 0
    assert launches["1"][1] == launches["0"][1] - (1 if scalar else 0), launches
    assert len(res["1"]) == len(res["0"])
    for x, y in zip(res["1"], res["0"]):
        # (on a GPU the two kernels' fp32 sums may round differently: Mamba-2's output differed in its last bits on
        # an H100, session 57, call 2)
        assert torch.equal(x, y) if DEVICE == "cpu" else rel_err(x.double(), y.double()) < 1e-4
