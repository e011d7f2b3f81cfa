"""The fused decode step (lindsl.codegen.step): one generated Triton kernel per spec for the prologue, the update and
the epilogue of each token, run here in Triton's interpreter against the PyTorch engine's step in fp64 (and the
Triton engine's own step), for the library, token shifts, every builtin at extreme inputs, odd sizes, several value
blocks, bf16, hostile input names and random specs of the property generator."""
import glob
import os

import pytest
import torch
from hypothesis import given, note

import lindsl
from lindsl.check import random_inputs, rel_err
from lindsl.dimexpr import with_derived
from lindsl.runtime.naive import state_shape

pytest.importorskip("triton")

LIBRARY = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(os.path.dirname(__file__), "..", "library",
                                                                           "*.lin")))
SIZES = {"K": 5, "V": 12, "M": 2}  # not powers of two: every lane mask matters
# the interpreter on the CPU; compiled kernels on a GPU with TRITON_INTERPRET=0 (the fp64 reference stays on the CPU)
from devices import DEVICE  # noqa: E402


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _step_pair(op, args, state, monkeypatch, **kw):
    """(fused step on the Triton interpreter, fp64 PyTorch step) outputs and final states, as tuples."""
    monkeypatch.setenv("LINDSL_TUNE_STEP", "fused")
    got = op.step(*[x.to(DEVICE) for x in args.values()], initial_state=_each(state, lambda x: x.to(DEVICE)),
                  output_final_state=True, backend="triton", **{k: _to(v, DEVICE) for k, v in kw.items()})
    got = tuple(x.cpu() if torch.is_tensor(x) else tuple(y.cpu() for y in x) for x in got)
    ref = op.step(*[x.double() for x in args.values()], initial_state=_each(state, torch.Tensor.double),
                  output_final_state=True, backend="torch", **{k: _to(v, torch.float64) for k, v in kw.items()})
    return got, ref


def _each(state, fn):
    """fn of a state, or of each of a tuple of states (None: None)."""
    return None if state is None else fn(state) if torch.is_tensor(state) else tuple(fn(x) for x in state)


def _to(v, where):
    """A keyword argument's tensors (a dict of them, as prev_inputs) moved to a device or cast to a dtype."""
    return {k: x.to(where) for k, x in v.items()} if isinstance(v, dict) else v


def _state(op, B, H, sizes, seed=5):
    """A random initial state, or a tuple of one per state (positive for a vector state: a normalizer's sums)."""
    g = torch.Generator().manual_seed(seed)
    sizes = with_derived(op.spec.derived_dims, sizes)
    states = [torch.randn(state_shape(st, B, H, sizes), generator=g).abs() if st.ty.kind == "vec"
              else torch.randn(state_shape(st, B, H, sizes), generator=g) for st in op.spec.states]
    return states[0] if len(states) == 1 else tuple(states)


def _close(got, ref, tol):
    assert len(_tuple(got[0]) + _tuple(got[1])) == len(_tuple(ref[0]) + _tuple(ref[1]))
    for a, b in zip(_tuple(got[0]) + _tuple(got[1]), _tuple(ref[0]) + _tuple(ref[1])):
        assert a.dtype != torch.float64 and torch.isfinite(a).all()
        assert rel_err(a.double(), b) < tol, (rel_err(a.double(), b), tol)


@pytest.mark.parametrize("name", LIBRARY)
def test_library_step_fused_equals_fp64(name, monkeypatch):
    """Every library spec with one matrix state, beside any vector states (normalizers: linear_attn_normalized,
    Based, Hedgehog), and no memories takes the fused step and matches the fp64 step and the engine's; the others
    say why not."""
    op = lindsl.load(name)
    spec = op.spec
    fused = not any(st.ty.mem for st in spec.states) and [st.ty.kind for st in spec.states].count("mat") == 1
    if not fused:
        assert isinstance(op.module.FUSED_STEP, str) and op.module.FUSED_STEP
        return
    assert op.module.FUSED_STEP is True
    args = random_inputs(spec, 2, 5, 3, SIZES, torch.float32, seed=1)
    got, ref = _step_pair(op, args, _state(op, 2, 3, SIZES), monkeypatch)
    _close(got, ref, 2e-5)
    monkeypatch.setenv("LINDSL_TUNE_STEP", "engine")
    eng = op.step(*[x.to(DEVICE) for x in args.values()], initial_state=_each(_state(op, 2, 3, SIZES),
                                                                              lambda x: x.to(DEVICE)),
                  output_final_state=True, backend="triton")
    _close(got, (_each(eng[0], lambda x: x.double().cpu()), _each(eng[1], lambda x: x.double().cpu())), 2e-5)


def test_value_blocks_and_no_initial_state(monkeypatch):
    """Several value blocks per (sequence, head) (DECODE_BV below V) and no initial state."""
    op = lindsl.load("kda")
    args = random_inputs(op.spec, 1, 4, 2, {"K": 8, "V": 20}, torch.float32, seed=2)
    monkeypatch.setenv("LINDSL_TUNE_DECODE_BV", "16")
    got, ref = _step_pair(op, args, None, monkeypatch)
    _close(got, ref, 2e-5)


@pytest.mark.parametrize("initial", [False, True])
def test_vector_states_beside_the_matrix_state(initial, monkeypatch):
    """A normalizer z beside S (linear_attn_normalized: o = S^T phi(q) / (z^T phi(q) + eps)) in the fused step,
    several value blocks per (sequence, head) (DECODE_BV below V: each block's program keeps its own copy of z, the
    first stores it), from no initial state or from given ones written in place (state_in_place: the returned final
    states are their memory); outputs and both final states match the fp64 step."""
    op = lindsl.load("linear_attn_normalized")
    assert op.module.FUSED_STEP is True and [st.ty.kind for st in op.spec.states] == ["mat", "vec"]
    sizes = {"K": 8, "V": 20}
    args = random_inputs(op.spec, 2, 4, 2, sizes, torch.float32, seed=4)
    monkeypatch.setenv("LINDSL_TUNE_DECODE_BV", "8")
    state = _state(op, 2, 2, sizes) if initial else None
    got, ref = _step_pair(op, args, state, monkeypatch)
    _close(got, ref, 2e-5)
    if initial:
        given = tuple(x.to(DEVICE).contiguous() for x in state)
        out, finals = op.step(*[x.to(DEVICE) for x in args.values()], initial_state=given, output_final_state=True,
                              backend="triton", state_in_place=True)
        assert all(f.data_ptr() == g.data_ptr() for f, g in zip(finals, given))
        _close((out.cpu(), tuple(f.cpu() for f in finals)), ref, 2e-5)


VALUE_NORMALIZER = """lin value_normalizer
dim K, V
in q[K], k[K], v[V]
in a: loggate
state S[K, V]
state z[V]
S = exp(a) * S + k v^T
z = exp(a) * z + v
out o = (S^T q) / (1 + (z^T v) * (z^T v))
"""


def test_vector_state_over_another_dim(monkeypatch):
    """A vector state over the value dim beside S[K, V] (its own axis in the kernel, not the key block), gated, read
    at each token, in several value blocks: outputs and both final states match the fp64 step."""
    op = lindsl.load(VALUE_NORMALIZER)
    assert op.module.FUSED_STEP is True
    sizes = {"K": 6, "V": 10}
    args = random_inputs(op.spec, 2, 5, 3, sizes, torch.float32, seed=6)
    monkeypatch.setenv("LINDSL_TUNE_DECODE_BV", "4")
    got, ref = _step_pair(op, args, _state(op, 2, 3, sizes), monkeypatch)
    _close(got, ref, 2e-5)


def test_bf16_inputs(monkeypatch):
    """bf16 inputs: outputs in bf16, the state in fp32, within bf16's rounding of the fp64 step."""
    op = lindsl.load("gated_deltanet")
    args = random_inputs(op.spec, 2, 3, 2, {"K": 16, "V": 16}, torch.bfloat16, seed=3)
    got, ref = _step_pair(op, args, _state(op, 2, 2, {"K": 16, "V": 16}), monkeypatch)
    assert got[0].dtype == torch.bfloat16 and got[1].dtype == torch.float32
    _close(got, ref, 1e-2)


BUILTINS = """lin builtins
dim K, V
in q[K], k[K], v[V], x[V]
in a: real
in g[K]: loggate
param p[K]
option c = 0.5
let z = exp(a) * sigmoid(a) + logsigmoid(a) + silu(a) + relu(a) + elu(a) + softplus(a) + tanh(a) + sqrt(abs(a)) + log(1 + abs(a))
let w = softmax(x) + min(x, 0.5) - max(-x, -2) + (-x)^3 + abs(x)^0.5 + 2^(head - H)
let kg = l2norm(k) * sum(p * k) / K + c
state S[K, V]
S = diag(exp(g)) (I - sigmoid(a) * l2norm(k) l2norm(k)^T) S + kg (z * w)^T
out o = S^T q + (q^T kg) w
out y = sum(x) * softplus(x) + tanh(x)
"""


def test_every_builtin_at_extreme_inputs(monkeypatch):
    """Each elementwise builtin, min/max, pow (negative bases, integer and fractional exponents), softmax, sum, the
    head index and H, with inputs up to |40|: no NaN or inf, equal to the fp64 step."""
    op = lindsl.load(BUILTINS)
    assert op.module.FUSED_STEP is True
    args = random_inputs(op.spec, 1, 4, 2, {"K": 6, "V": 10}, torch.float32, seed=4)
    args["a"] = torch.tensor([-40.0, -16.0, -1e-3, 30.0, 2.5, -0.7, 1e-4, 18.0]).reshape(1, 4, 2)
    args["x"] = args["x"] * 6
    got, ref = _step_pair(op, args, _state(op, 1, 2, {"K": 6, "V": 10}), monkeypatch)
    _close(got, ref, 1e-5)


FEATURES = """lin features
dim K, V
dim K2 = K^2
dim F = 1 + K + K2
in q[K], k[K], v[V], a
in g: loggate
let fk = cat(sigmoid(a), l2norm(k), kron(k, k) / 4)
state S[F, V]
S = exp(g) * S + fk v^T
out o = S^T cat(1, q, kron(q, 0.5 * q[t-1]))
"""
SOFTMAX_FEATURES = """lin softmax_features
dim K, V
dim F2 = 2 * K
in q[K], k[K], v[V]
state S[F2, V]
S = S + softmax(cat(2 * k, -2 * k)) v^T
out o = S^T softmax(cat(q, -q))
"""


@pytest.mark.parametrize("text", [FEATURES, SOFTMAX_FEATURES], ids=["taylor_like", "hedgehog_like"])
def test_feature_maps_in_the_fused_step(text, monkeypatch):
    """cat() and kron() in the fused step: each entry from its part at the shifted index (a per-token scalar, a
    reduction inside a part, a token shift, a softmax over the concatenation), keys of a derived dim not a power of
    two (F = 31, F2 = 10): equal to the fp64 step."""
    op = lindsl.load(text)
    assert op.module.FUSED_STEP is True
    sizes = {"K": 5, "V": 12}
    args = random_inputs(op.spec, 2, 3, 2, sizes, torch.float32, seed=6)
    state = _state(op, 2, 2, with_derived(op.spec.derived_dims, sizes))
    prev = {name: torch.randn(2, n, 2, 5) for name, n in op.shifts.items()}
    got, ref = _step_pair(op, args, state, monkeypatch, **({"prev_inputs": prev} if prev else {}))
    _close(got[:2], ref[:2], 2e-5)


HOSTILE = """lin hostile
dim K, V
in row[K], kk[K], vv[V], fzero[V]
in hf: unit
param tl[K]
option e0 = 2
state S[K, V]
S = diag(exp(-hf * sigmoid(tl))) S + kk vv^T
out o = S^T (e0 * row) + fzero
"""


def test_spec_names_never_reach_the_kernel(monkeypatch):
    """Input, param and option names that are the kernel's own local names (row, kk, vv, fzero, hf, e0, tl): the
    kernel names leaves by position, so the spec compiles and computes the same."""
    op = lindsl.load(HOSTILE)
    src = open(op.path).read()
    kernel = src[src.index("def _fused_step_kernel"):src.index("def pick_backend")]
    assert "hostile" not in kernel and "tl.load(row" not in kernel
    args = random_inputs(op.spec, 1, 3, 2, {"K": 4, "V": 4}, torch.float32, seed=6)
    got, ref = _step_pair(op, args, _state(op, 1, 2, {"K": 4, "V": 4}), monkeypatch)
    _close(got, ref, 1e-5)


from shifted_specs import HAND, shifted_mutant  # noqa: E402


@pytest.mark.parametrize("source", [HAND["gla_token_shift"], HAND["delta_shift2"], shifted_mutant(2), shifted_mutant(3)],
                         ids=["gla_token_shift", "delta_shift2", "mutant2", "mutant3"])
def test_token_shifts_carried_between_steps(source, monkeypatch):
    """A sequence stepped one token at a time with prev_inputs carried equals the fp64 op over the whole sequence;
    the first step without prev_inputs reads zeros before the start."""
    op = lindsl.load(source)
    assert op.module.FUSED_STEP is True and op.shifts
    T, sizes = 4, {"K": 5, "V": 6}
    args = random_inputs(op.spec, 2, T, 2, sizes, torch.float32, seed=7)
    full, fin = op(*[x.double() for x in args.values()], output_final_state=True, backend="torch")
    monkeypatch.setenv("LINDSL_TUNE_STEP", "fused")
    state, prev, outs = None, None, []
    for t in range(T):
        tok = {k: (x[:, t:t + 1] if op.spec.input(k).kind == "input" else x) for k, x in args.items()}
        o, state, prev = op.step(*[x.to(DEVICE) for x in tok.values()], initial_state=state, prev_inputs=prev,
                                 output_final_state=True, output_prev_inputs=True, backend="triton")
        outs.append(o)
    assert rel_err(torch.cat(outs, 1).double().cpu(), full) < 2e-5
    assert rel_err(state.double().cpu(), fin) < 2e-5


# the property generator's specs (tests/test_properties.py), routed ones left out
from test_properties import lin_specs, random_spec_settings  # noqa: E402


@random_spec_settings("LINDSL_STEP_EXAMPLES", 12)
@given(lin_specs())
def test_random_specs_fused_step_equals_fp64(text):
    note(text)
    op = lindsl.load(text)
    if op.module.FUSED_STEP is not True:
        assert len(op.spec.states) > 1 or op.spec.states[0].ty.mem or op.spec.states[0].ty.kind != "mat"
        return
    args = random_inputs(op.spec, 1, 3, 2, SIZES, torch.float32, seed=8)
    state = _state(op, 1, 2, SIZES)
    with pytest.MonkeyPatch.context() as mp:
        got, ref = _step_pair(op, args, state, mp)
    _close(got, ref, 5e-5)
