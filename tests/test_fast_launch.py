"""The engine's fast kernel launch (triton_engine._Launched): a launch site's plans keyed by what Triton specializes
on, the arguments passed in parameter order. On the CPU against a stand-in for a JITFunction that records what it is
asked to run; on the GPU (TRITON_INTERPRET=0) against Triton's own cache key on every hit, and bit for bit against
launching through Triton."""
import os
import types
import warnings

import pytest
import torch
import triton
import triton.language as tl

import lindsl
from lindsl.check import default_sizes, random_inputs
from lindsl.runtime import triton_engine as te

from devices import TRITON_GPU as GPU  # noqa: E402


def _param(name, constexpr=False, default=None):
    return types.SimpleNamespace(name=name, is_constexpr=constexpr, default=default)


class _FakeJIT:
    """Parameters (x_ptr, y_ptr, T, scale, BLOCK: constexpr, FLAG: constexpr = 0, STEP = 3); each launch through
    'Triton' compiles a new kernel whose launcher records its calls."""

    def __init__(self):
        self.params = [_param("x_ptr"), _param("y_ptr"), _param("T"), _param("scale"), _param("BLOCK", True),
                       _param("FLAG", True, 0), _param("STEP", False, 3)]
        self.compiled = []

    def __getitem__(self, grid):
        def run(*args, **kwargs):
            kernel = types.SimpleNamespace(function=f"f{len(self.compiled)}", packed_metadata="meta", calls=[])
            kernel.run = lambda *a: kernel.calls.append(a)
            self.compiled.append((grid, args, kwargs, kernel))
            return kernel
        return run


@pytest.fixture
def fake(monkeypatch):
    monkeypatch.setattr(te, "_cuda_device", lambda: 0)
    monkeypatch.setattr(te, "_cuda_stream", lambda device: 77)
    monkeypatch.delenv("LINDSL_TUNE_FAST_LAUNCH", raising=False)
    jit = _FakeJIT()
    return jit, te._Launched(jit)


def test_a_plan_launches_the_compiled_kernel_with_arguments_in_parameter_order(fake):
    jit, k = fake
    x, y = torch.zeros(8), torch.zeros(8, dtype=torch.bfloat16)
    k[(2, 3)](x, y, 17, 0.5, BLOCK=16)
    assert len(jit.compiled) == 1 and not jit.compiled[0][3].calls
    x2 = torch.ones(8)
    k[(4,)](x2, y, 33, 0.25, BLOCK=16)
    assert len(jit.compiled) == 1, "same specialization: no second trip through Triton"
    (call,) = jit.compiled[0][3].calls
    assert call == (4, 1, 1, 77, "f0", "meta", None, None, None, x2.data_ptr(), y.data_ptr(), 33, 0.25, 16, 0, 3)


@pytest.mark.parametrize("change", ["dtype", "misaligned", "T=1", "T=32", "T=2^40", "BLOCK", "FLAG", "device"])
def test_what_triton_specializes_on_makes_a_new_plan(fake, monkeypatch, change):
    jit, k = fake
    base = torch.zeros(16)
    args = [base, torch.zeros(8), 17, 0.5]
    kw = {"BLOCK": 16}
    k[(1,)](*args, **kw)
    if change == "dtype":
        args[1] = torch.zeros(8, dtype=torch.float16)
    elif change == "misaligned":
        args[0] = base[1:]
    elif change.startswith("T="):
        args[2] = {"T=1": 1, "T=32": 32, "T=2^40": 1 << 40}[change]
    elif change == "BLOCK":
        kw["BLOCK"] = 32
    elif change == "FLAG":
        kw["FLAG"] = 1
    else:
        monkeypatch.setattr(te, "_cuda_device", lambda: 1)
    k[(1,)](*args, **kw)
    assert len(jit.compiled) == 2
    k[(1,)](*args, **kw)
    assert len(jit.compiled) == 2 and len(jit.compiled[1][3].calls) == 1


def test_values_seen_before_find_their_plan_and_equal_values_of_other_types_do_not(fake, monkeypatch):
    """.seen keys ints, floats and bools by value and type: 1, True and 1.0 are three specializations for Triton,
    and new values of a known specialization reuse its plan; the cache forgets past SEEN_ARGUMENTS entries."""
    jit, k = fake
    monkeypatch.setattr(te, "SEEN_ARGUMENTS", 2)
    x = torch.zeros(4)
    for t in (1, True, 1.0, 1):
        k[(1,)](x, x, t, 0.5, BLOCK=16)
    assert len(jit.compiled) == 3 and len(k.seen) <= 2
    for t in (17, 33, 49, 17):
        k[(1,)](x, x, t, 0.5, BLOCK=16)
    assert len(jit.compiled) == 4 and len(k.seen) <= 2
    assert [c[-5] for c in jit.compiled[3][3].calls] == [33, 49, 17]


def test_a_keyword_naming_a_runtime_argument_launches_through_triton(fake):
    jit, k = fake
    for step in (3, 3):
        k[(1,)](torch.zeros(4), torch.zeros(4), 5, 1.0, BLOCK=16, STEP=step)
    assert len(jit.compiled) == 2 and k.triton_launches == 2


def test_a_constexpr_given_positionally_keys_by_value(fake):
    jit, k = fake
    x = torch.zeros(4)
    for block in (16, 32, 16):
        k[(1,)](x, x, 5, 1.0, block)
    assert len(jit.compiled) == 2 and jit.compiled[0][3].calls[0][-3:] == (16, 0, 3)


def test_the_knob_launches_through_triton_every_time(fake, monkeypatch):
    jit, k = fake
    monkeypatch.setenv("LINDSL_TUNE_FAST_LAUNCH", "0")
    for _ in range(3):
        k[(1,)](torch.zeros(4), torch.zeros(4), 5, 1.0, BLOCK=16)
    assert len(jit.compiled) == 3


def test_a_launch_traced_by_torch_compile_goes_through_triton(fake, monkeypatch):
    """Dynamo captures a JITFunction's launch as a user kernel: while it traces, the wrapper hands the call on."""
    jit, k = fake
    monkeypatch.setattr(torch.compiler, "is_compiling", lambda: True)
    for _ in range(2):
        k[(1,)](torch.zeros(4), torch.zeros(4), 5, 1.0, BLOCK=16)
    assert len(jit.compiled) == 2 and not k.sites


def test_interpreted_kernels_are_left_alone():
    if os.environ.get("TRITON_INTERPRET") == "1":
        assert not isinstance(te._read_kernel, te._Launched)
    assert te._launched(te._p2) is te._p2


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    i = tl.arange(0, BLOCK)
    tl.store(y_ptr + i, tl.load(x_ptr + i, mask=i < n), mask=i < n)


@pytest.mark.skipif(not GPU, reason="needs a GPU (TRITON_INTERPRET=0)")
def test_a_kernel_on_the_gpu_through_its_plans(monkeypatch):
    """Aligned and misaligned views (their own plans), lengths 1, 16 and 17; a CPU tensor after the plans exist is
    refused by Triton, not launched with its address."""
    monkeypatch.setenv("LINDSL_CHECK_LAUNCH", "1")
    k = te._launched(_copy_kernel)
    assert isinstance(k, te._Launched)
    base = torch.arange(100.0, device="cuda")
    for offset in (0, 1, 0, 1, 4):
        for n in (1, 16, 17, 17):
            x = base[offset:offset + n]
            y = torch.full((n,), float("nan"), device="cuda")
            k[(1,)](x, y, n, BLOCK=32)
            assert torch.equal(y, x)
    assert sum(len(plans) for _, _, plans in k.sites.values()) == 6  # alignment x (n == 1, 16, 17)
    with pytest.raises(ValueError, match="cpu tensor"):
        k[(1,)](x.cpu(), y, 17, BLOCK=32)


def test_another_triton_launches_through_triton_with_a_warning(monkeypatch):
    from triton.runtime.jit import JITFunction
    jitted = JITFunction(_copy_kernel.fn)
    assert isinstance(te._launched(jitted), te._Launched)
    monkeypatch.setattr(triton, "__version__", "3.5.1")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(te, "_SLOW_LAUNCH_WARNED", [])
    with pytest.warns(UserWarning, match="JITFunction.run"):
        assert te._launched(jitted) is jitted
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert te._launched(jitted) is jitted  # warned once


def _launched_kernels(module):
    return [v for v in vars(module).values() if isinstance(v, te._Launched) or type(v).__name__ == "_Launched"]


@pytest.mark.skipif(not GPU, reason="needs a GPU (TRITON_INTERPRET=0)")
@pytest.mark.parametrize("name", ["mamba2", "gla", "gated_deltanet", "rwkv7"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_fast_launch_equals_triton_launch_on_the_gpu(name, dtype, monkeypatch):
    """Forward and backward at three lengths (T = 1, a multiple of 16 and not), every hit checked against Triton's own
    cache key (LINDSL_CHECK_LAUNCH=1), and bit for bit the results of launching through Triton."""
    op = lindsl.load(name)
    monkeypatch.setenv("LINDSL_CHECK_LAUNCH", "1")
    for T in (1, 64, 77, 77):
        args = random_inputs(op.spec, 2, T, 2, default_sizes(op.spec, K=32, V=32, M=2), dtype, 1.0, T)
        results = []
        for fast in ("1", "0"):
            monkeypatch.setenv("LINDSL_TUNE_FAST_LAUNCH", fast)
            xs = [v.cuda().requires_grad_(v.is_floating_point()) for v in args.values()]
            out = op(*xs, backend="triton")[0]
            out.float().square().sum().backward()
            results.append([out] + [x.grad for x in xs if x.grad is not None])
        for a, b in zip(*results):
            assert torch.equal(a, b)
    kernels = _launched_kernels(op.module)
    assert kernels and all(k.triton_launches == 0 for k in kernels)
    assert any(plan for k in kernels for _, _, plans in filter(None, k.sites.values()) for plan in plans)
