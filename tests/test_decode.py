"""The fused-recurrent (decode) form: token by token with the state carried, equal to the chunked op, both on the
PyTorch engine and as a Triton kernel (interpreter); decoding one token at a time reproduces a whole sequence."""
import glob
import os

import pytest
import torch

import lindsl
from lindsl.check import random_inputs, rel_err
from lindsl.dimexpr import with_derived
from lindsl.runtime.naive import state_shape

SPECS = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(os.path.dirname(__file__), "..", "library",
                                                                          "*.lin")))
SIZES = {"K": 4, "V": 4, "M": 2}
from devices import DEVICE as TRITON_DEVICE  # noqa: E402


def _on(x, device):
    """x (a tensor, a tuple of them, a dict of them or None) on device."""
    if isinstance(x, tuple):
        return tuple(_on(y, device) for y in x)
    if isinstance(x, dict):
        return {k: _on(y, device) for k, y in x.items()}
    return None if x is None else x.to(device)


def _init(spec, B, H, dtype, seed=5):
    g = torch.Generator().manual_seed(seed)
    sizes = with_derived(spec.derived_dims, SIZES)
    st = tuple(torch.randn(state_shape(s, B, H, sizes), generator=g, dtype=dtype) for s in spec.states)
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
    dev = TRITON_DEVICE if backend == "triton" else "cpu"
    o2, f2 = _on(op.step(*_on(args, dev).values(), initial_state=_on(h0, dev), output_final_state=True,
                         backend=backend), "cpu")
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


# ---------------------------------------------------------------- token shifts: the decode cache carries x[t-n]
from shifted_specs import HAND, library_with_input_shifts, shifted_mutant  # noqa: E402

SHIFTED = ([pytest.param(n, id=n) for n in library_with_input_shifts()]
           + [pytest.param(HAND[n], id=n) for n in HAND]
           + [pytest.param(shifted_mutant(s), id=f"mutant{s}") for s in range(4)])


def _tok(op, args, a, b):
    return {k: (x[:, a:b] if op.spec.input(k).kind == "input" else x) for k, x in args.items()}


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


@pytest.mark.parametrize("source", SHIFTED)
def test_token_by_token_decoding_with_token_shifts(source):
    op = lindsl.load(source)
    assert op.shifts and max(op.shifts.values()) in (1, 2)
    T = 7
    args = random_inputs(op.spec, 2, T, 2, SIZES, torch.float64, seed=4)
    h0 = _init(op.spec, 2, 2, torch.float64)
    full, fin = op(*args.values(), initial_state=h0, output_final_state=True)
    state, prev, outs = h0, None, []
    for t in range(T):
        o, state, prev = op.step(*_tok(op, args, t, t + 1).values(), initial_state=state, prev_inputs=prev,
                                 output_final_state=True, output_prev_inputs=True)
        assert set(prev) == set(op.shifts)
        assert all(prev[k].shape[1] == n for k, n in op.shifts.items())
        outs.append(o)
    torch.testing.assert_close(torch.cat(outs, 1), full, rtol=1e-10, atol=1e-12)
    for a, b in zip(_tuple(state), _tuple(fin)):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)
    # the carried tokens are what the shift reads: stepping without them (zeros) differs
    o_zero, _ = op.step(*_tok(op, args, T - 1, T).values(), initial_state=None)
    o_prev, _ = op.step(*_tok(op, args, T - 1, T).values(), initial_state=None,
                        prev_inputs=op(*_tok(op, args, 0, T - 1).values(), output_prev_inputs=True)[2])
    assert not torch.allclose(o_zero, o_prev)


@pytest.mark.parametrize("source", SHIFTED[:3])
def test_chunked_continuation_with_token_shifts(source):
    """The chunked op continues a sequence from (state, prev_inputs) as well, over splits shorter than the shift;
    the tuple form of prev_inputs (SHIFTS' order) is accepted; the Triton decode kernel (interpreter) agrees."""
    op = lindsl.load(source)
    args = random_inputs(op.spec, 1, 9, 2, SIZES, torch.float64, seed=7)
    full, fin = op(*args.values(), output_final_state=True)
    state, prev, outs = None, None, []
    for a, b in ((0, 1), (1, 5), (5, 6), (6, 9)):
        o, state, prev = op(*_tok(op, args, a, b).values(), initial_state=state, prev_inputs=prev, chunk_size=4,
                            output_final_state=True, output_prev_inputs=True)
        prev = tuple(prev[k] for k in op.shifts)
        outs.append(o)
    torch.testing.assert_close(torch.cat(outs, 1), full, rtol=1e-10, atol=1e-12)
    a32 = {k: x.float() for k, x in args.items()}
    o1, s1, p1 = op(*_tok(op, a32, 0, 5).values(), output_final_state=True, output_prev_inputs=True)
    o2, _ = op.step(*_on(_tok(op, a32, 5, 9), TRITON_DEVICE).values(), initial_state=_on(s1, TRITON_DEVICE),
                    prev_inputs=_on(p1, TRITON_DEVICE), backend="triton")
    o2 = o2.cpu()
    assert op.last_backend == "triton"
    torch.testing.assert_close(torch.cat([o1, o2], 1), full.float(), rtol=1e-4, atol=1e-5)


def test_chunked_continuation_gradients_with_token_shifts():
    """Gradients flow through the returned prev_inputs as through the final state: a sequence continued chunk by
    chunk (state and prev_inputs carried) has the gradients of one call (the carried tokens used to be detached, so
    the last n tokens of the first chunk lost the gradient of the next chunk's shifted reads; found by
    benchmarks/fuzz_compositions.py)."""
    op = lindsl.load(HAND["delta_shift2"])
    args = random_inputs(op.spec, 1, 7, 2, SIZES, torch.float64, seed=3)
    for x in args.values():
        x.requires_grad_(True)
    h0 = _init(op.spec, 1, 2, torch.float64).requires_grad_(True)
    full, fin = op(*args.values(), initial_state=h0, output_final_state=True, chunk_size=4)
    o1, s1, p1 = op(*_tok(op, args, 0, 3).values(), initial_state=h0, output_final_state=True, chunk_size=4,
                    output_prev_inputs=True)
    o2, s2 = op(*_tok(op, args, 3, 7).values(), initial_state=s1, prev_inputs=p1, output_final_state=True,
                chunk_size=4)
    w = torch.randn_like(full)
    leaves = list(args.values()) + [h0]
    g1 = torch.autograd.grad((full * w).sum() + fin.sum(), leaves)
    g2 = torch.autograd.grad((torch.cat([o1, o2], 1) * w).sum() + s2.sum(), leaves)
    for a, b in zip(g2, g1):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_packed_sequences_first_continues_from_prev_inputs():
    """With cu_seqlens, prev_inputs are the tokens before the first packed sequence: outputs and gradients (also
    of prev_inputs) equal per-sequence calls where only the first takes them (shifts of one and two tokens)."""
    op = lindsl.load(HAND["delta_shift2"])
    args = random_inputs(op.spec, 1, 9, 2, SIZES, torch.float64, seed=3)
    prev = {name: torch.randn((1, n) + tuple(args[name].shape[2:]), dtype=torch.float64)
            for name, n in op.shifts.items()}
    bounds = [0, 1, 5, 9]  # a first sequence shorter than the longest shift
    leaves = [x.clone().requires_grad_(True) for x in list(args.values()) + list(prev.values())]
    xs, ps = leaves[:len(args)], dict(zip(prev, leaves[len(args):]))
    packed = op(*xs, cu_seqlens=torch.tensor(bounds), prev_inputs=ps, chunk_size=4)[0]
    parts = [op(*_tok(op, dict(zip(args, xs)), a, b).values(), prev_inputs=ps if a == 0 else None,
                chunk_size=4)[0] for a, b in zip(bounds, bounds[1:])]
    torch.testing.assert_close(packed, torch.cat(parts, 1), rtol=1e-10, atol=1e-12)
    w = torch.randn_like(packed)
    g1 = torch.autograd.grad((packed * w).sum(), leaves)
    g2 = torch.autograd.grad((torch.cat(parts, 1) * w).sum(), leaves)
    assert all(g.abs().sum() > 0 for g in g1[len(args):])  # the prefix reaches the first sequence
    for a, b in zip(g1, g2):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_prev_inputs_errors():
    op = lindsl.load(HAND["delta_shift2"])
    assert op.shifts == {"k": 2, "q": 2, "v": 1}
    args = random_inputs(op.spec, 1, 3, 2, SIZES, torch.float64, seed=1)
    with pytest.raises(ValueError, match=r"prev_inputs\['k'\] must be the 2 token"):
        op.step(*args.values(), prev_inputs={"k": args["k"][:, :1]})
    with pytest.raises(ValueError, match="shifts only"):
        op.step(*args.values(), prev_inputs={"beta": args["beta"]})
    with pytest.raises(ValueError, match="tuple of 1"):
        op.step(*args.values(), prev_inputs=(args["k"][:, :2],))
    with pytest.raises(ValueError, match="cu_seqlens"):
        op(*args.values(), cu_seqlens=torch.tensor([0, 3]), output_prev_inputs=True)
    # a spec without shifts returns an empty prev_inputs
    gla = lindsl.load("gla")
    assert gla.shifts == {}
    g = random_inputs(gla.spec, 1, 3, 2, SIZES, torch.float64, seed=1)
    assert gla.step(*g.values(), output_prev_inputs=True)[2] == {}


def test_graphed_step_needs_cuda_tensors():
    op = lindsl.load("gla")
    args = random_inputs(op.spec, 2, 1, 2, SIZES, torch.float32, seed=2)
    with pytest.raises(ValueError, match="CUDA"):
        op.graphed_step(*args.values(), initial_state=_init(op.spec, 2, 2, torch.float32))


@pytest.mark.skipif(not torch.cuda.is_available() or os.environ.get("TRITON_INTERPRET") == "1",
                    reason="CUDA graphs need a GPU and compiled kernels: on the GPU machine run "
                           "TRITON_INTERPRET=0 pytest tests/test_decode.py -k graphed")
@pytest.mark.parametrize("name", ["gla", "gated_deltanet", "mom_gated_deltanet"])
def test_graphed_step_equals_step(name):
    """Replaying the captured step token by token gives op.step's outputs and final state."""
    op = lindsl.load(name)
    sizes = {"K": 32, "V": 32, "M": 2}
    B, H, T = 3, 2, 6
    seq = {k: v.cuda() for k, v in random_inputs(op.spec, B, T, H, sizes, torch.float32, seed=4).items()}
    g = torch.Generator().manual_seed(1)
    st = tuple(torch.randn(state_shape(s, B, H, sizes), generator=g).cuda() for s in op.spec.states)
    st = st[0] if len(st) == 1 else st
    tok = lambda t: [x[:, t:t + 1] if x.dim() >= 3 and x.shape[1] == T else x for x in seq.values()]  # noqa: E731
    graphed = op.graphed_step(*tok(0), initial_state=st)
    state = st
    for t in range(T):
        o_ref, state = op.step(*tok(t), initial_state=state, output_final_state=True)
        o = graphed(*tok(t))
        o, o_ref = (o[0], o_ref[0]) if isinstance(o, tuple) else (o, o_ref)
        assert rel_err(o, o_ref) < 1e-5
    for a, b in zip(graphed.state if isinstance(graphed.state, tuple) else (graphed.state,),
                    state if isinstance(state, tuple) else (state,)):
        assert rel_err(a, b.reshape(a.shape)) < 1e-5


@pytest.mark.parametrize("name", ["gated_deltanet", "mom_gated_deltanet", "rwkv7"])
@pytest.mark.parametrize("backend", ["torch", "triton"])
def test_step_state_in_place(name, backend):
    """state_in_place writes the final state into initial_state's memory, with the same values as a normal step;
    a state it cannot update in place is an error, not a silent copy."""
    if backend == "triton":
        pytest.importorskip("triton")
    op = lindsl.load(name)
    dtype = torch.float32
    dev = TRITON_DEVICE if backend == "triton" else "cpu"
    args = list(_on(random_inputs(op.spec, 2, 3, 2, SIZES, dtype, seed=3), dev).values())
    st = _on(_init(op.spec, 2, 2, dtype), dev)
    o_ref, f_ref = op.step(*args, initial_state=st, output_final_state=True, backend=backend)
    buf = tuple(x.clone() for x in st) if isinstance(st, tuple) else st.clone()
    o, f = op.step(*args, initial_state=buf, output_final_state=True, backend=backend, state_in_place=True)
    for a, b, given in zip(*(x if isinstance(x, tuple) else (x,) for x in (f, f_ref, buf))):
        assert a.data_ptr() == given.data_ptr()
        assert rel_err(a, b) < 1e-6
    assert rel_err(o, o_ref) < 1e-6
    half = tuple(x.half() for x in st) if isinstance(st, tuple) else st.half()
    with pytest.raises(ValueError, match="state_in_place"):
        op.step(*args, initial_state=half, output_final_state=True, backend=backend, state_in_place=True)


def test_eager_decode_prologue_below_the_operation_count(monkeypatch):
    """An eager decode step on a GPU takes the compiled prologue only from DECODE_COMPILED_MIN_OPS operations (codegen's
    prologue_ops: an l2norm counts five), a graph capture always (DECODE_CAPTURE), a chunked call always;
    LINDSL_TUNE_DECODE_PROLOGUE overrides. The CPU never compiles it."""
    monkeypatch.delenv("LINDSL_TUNE_DECODE_PROLOGUE", raising=False)
    gla, dn = lindsl.load("gla").module, lindsl.load("deltanet").module
    assert gla.PROLOGUE_OPS < gla.DECODE_COMPILED_MIN_OPS <= dn.PROLOGUE_OPS
    two = lindsl.load("lin two\ndim K, V\nin q[K], k[K], v[V]\nin g: loggate\nstate S[K, V]\n"
                      "S = exp(g) * S + l2norm(k) (2 * v)^T\nout o = S^T q\n").module
    assert two.PROLOGUE_OPS == 5 + 1  # l2norm and 2 * v; exp(g) is the log-gate g as it stands

    class Ref:  # a CUDA tensor's attributes, as _lindsl_prologue_for reads them
        is_cuda, dtype = True, torch.bfloat16
    compiled = {m: m._compiled_prologue() for m in (gla, dn)}
    assert gla._lindsl_prologue_for(Ref, "triton", None, None, "DECODE_PROLOGUE")[0] is gla._lindsl_prologue
    assert dn._lindsl_prologue_for(Ref, "triton", None, None, "DECODE_PROLOGUE")[0] is compiled[dn]
    assert gla._lindsl_prologue_for(Ref, "triton", None, None, "PROLOGUE")[0] is compiled[gla]
    monkeypatch.setattr(gla, "DECODE_CAPTURE", True)
    assert gla._lindsl_prologue_for(Ref, "triton", None, None, "DECODE_PROLOGUE")[0] is compiled[gla]
    monkeypatch.setattr(gla, "DECODE_CAPTURE", False)
    monkeypatch.setenv("LINDSL_TUNE_DECODE_PROLOGUE", "compiled")
    assert gla._lindsl_prologue_for(Ref, "triton", None, None, "DECODE_PROLOGUE")[0] is compiled[gla]
    Ref.is_cuda = False
    assert dn._lindsl_prologue_for(Ref, "triton", None, None, "DECODE_PROLOGUE")[0] is dn._lindsl_prologue
