"""Every address the Triton kernels touch lies inside their tensor arguments (lindsl.runtime.interpreter's bounds
check), for library specs at odd sizes (K = 5, V = 12: every tile masked) across chunk boundaries (chunks of 16 and
the default), forward with an initial and a final state, and every gradient. A GPU meets such an access as an
illegal address at a later launch, or reads wrong data without a fault; the interpreter would read whatever lies
there."""
import os

import pytest
import torch
import triton
import triton.language as tl

from lindsl.runtime.interpreter import OutOfBoundsAccess, bounds_checked

pytestmark = pytest.mark.skipif(os.environ.get("TRITON_INTERPRET") != "1", reason="the interpreter's bounds check")


@triton.jit
def _copy_kernel(x_ptr, y_ptr, n, BLOCK: tl.constexpr):
    i = tl.arange(0, BLOCK)
    tl.store(y_ptr + i, tl.load(x_ptr + i, mask=i < n), mask=i < 8)


def _cause(e):
    while e is not None and not isinstance(e, OutOfBoundsAccess):
        e = e.__cause__ or e.__context__
    return e


def test_the_check_finds_a_read_past_the_end():
    x, y = torch.arange(8.0), torch.zeros(8)
    with bounds_checked():
        _copy_kernel[(1,)](x, y, 8, BLOCK=16)
        assert torch.equal(y, x)
        with pytest.raises(Exception) as raised:
            _copy_kernel[(1,)](x, y, 9, BLOCK=16)
    assert "_copy_kernel: create_masked_load of 1 element(s)" in str(_cause(raised.value))
    _copy_kernel[(1,)](x, y, 9, BLOCK=16)  # outside the block the check is off again


@pytest.mark.parametrize("T,chunk", [(37, 16), (70, None)])
@pytest.mark.parametrize("name", ["rwkv7", "kda", "gated_deltanet", "gla", "mamba2", "mom_gated_deltanet", "based"])
def test_library_kernels_stay_inside_their_tensors(name, T, chunk):
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    op = lindsl.load(name)
    args = random_inputs(op.spec, 2, T, 2, default_sizes(op.spec, K=5, V=12, M=2), torch.float32, 3.0, seed=5)
    xs = {n: x.requires_grad_(x.is_floating_point()) for n, x in args.items()}
    with torch.no_grad():
        finals = op(*xs.values(), output_final_state=True, backend="torch")[1]
    finals = finals if isinstance(finals, tuple) else (finals,)
    gen = torch.Generator().manual_seed(1)
    s0 = [(torch.randn(f.shape, generator=gen) * 0.5).requires_grad_(True) for f in finals]
    with bounds_checked():
        o, f = op(*xs.values(), initial_state=tuple(s0) if len(s0) > 1 else s0[0], output_final_state=True,
                  backend="triton", **({"chunk_size": chunk} if chunk else {}))
        assert op.last_backend == "triton"
        outs = (o if isinstance(o, tuple) else (o,)) + (f if isinstance(f, tuple) else (f,))
        grads = torch.autograd.grad(sum((y * y.detach().cos()).sum() for y in outs),
                                    [x for x in xs.values() if x.requires_grad] + s0)
    assert all(torch.isfinite(g).all() for g in grads)
