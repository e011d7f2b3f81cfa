"""The key gate's boundary sums made by a backward scan's state pass (chunk_scan_triton's boundary; the module's
default for the rescan's pass, LINDSL_TUNE_SCAN_BOUNDARY=1 for the adjoint's): from the state in registers and the other scan's stored states (the rescan's pass
with the adjoint's; with rank-one factors the adjoint's pass with the rescan's, made before it), so that the
scan's own chunk states are not read back by a separate _boundary_kernel. Checked against that kernel's sums over
the stored states (launch shapes: several value blocks, split keys, key blocks adjacent in the launch order),
against the module with the separate kernel, and the scan's refusals."""

import pytest
import torch

import lindsl
from lindsl.check import default_sizes, random_inputs, rel_err

triton_engine = pytest.importorskip("lindsl.runtime.triton_engine")

from devices import DEVICE  # noqa: E402


def _scan_inputs(gate, heads, g, N=4, T=90, K=32, V=32):
    lead = (N, T) if heads == 1 else (N // heads, T, heads)

    def rnd(*shape):
        return torch.randn(*shape, generator=g).to(DEVICE)
    gk = -0.2 * torch.rand(*lead, *((K,) if gate == "vector" else ()), generator=g).to(DEVICE)
    return gk, rnd(*lead, 1, K), rnd(*lead, 1, V), rnd(*lead, V)


LAUNCHES = {"default": {}, "value_blocks": {"STATE_BV": "8"}, "key_blocks": {"STATE_BV": "16", "STATE_BK": "16"},
            "key_blocks_adjacent": {"STATE_BV": "16", "STATE_BK": "16", "GRID_VADJ": "119"}}


@pytest.mark.parametrize("gate", ["scalar", "vector"])
@pytest.mark.parametrize("scan,launch", [("rescan", "default"), ("rescan", "value_blocks"),
                                        ("rescan", "key_blocks_adjacent"), ("adjoint", "default"),
                                        ("adjoint", "key_blocks"), ("adjoint_rank_one", "default"),
                                        ("adjoint_rank_one", "value_blocks")])
def test_state_pass_makes_the_boundary_sums(gate, scan, launch, monkeypatch):
    """The sums the pass makes equal chunk_boundary_sums_triton's over the states it stores (fp32) and the other
    scan's: as the rescan (the other's states the adjoint's) or as the adjoint (the other's the rescan's; with
    rank-one factors too), its reads and states unchanged; a scalar gate's one sum per
    boundary, a per-dimension gate's one per key row."""
    for name, value in LAUNCHES[launch].items():
        monkeypatch.setenv("LINDSL_TUNE_" + name, value)
    g = torch.Generator().manual_seed(3)
    heads = 2 if gate == "scalar" else 1
    gk, k, v, x = _scan_inputs(gate, heads, g)
    N, C, K, V = 4, 16, 32, 32
    NC = -(-x.shape[1] // C)
    other = torch.randn(N, NC, K, V, generator=g).to(DEVICE)
    b = a = None
    if scan == "adjoint_rank_one":
        b = -0.3 * torch.nn.functional.normalize(torch.randn(k.shape, generator=g), dim=-1).to(DEVICE)
        a = torch.nn.functional.normalize(torch.randn(k.shape, generator=g), dim=-1).to(DEVICE)
    args = (gk, None, b, a, k, v, None, [("v", "after", x)])
    kw = dict(chunk=C, force_chunk=True, return_states=True, heads=heads)
    plain = triton_engine.chunk_scan_triton(*args, **kw)
    adjoint = scan != "rescan"
    boundary = {"h": other, "rowsum": gate == "scalar", "adjoint": adjoint}
    got = triton_engine.chunk_scan_triton(*args, **kw, boundary=boundary)
    assert torch.equal(got[0][0], plain[0][0]) and torch.equal(got[3], plain[3])
    assert got[3].dtype == torch.float32
    h_adj, h_fwd = (got[3], other) if adjoint else (other, got[3])
    expected = triton_engine.chunk_boundary_sums_triton(h_adj, h_fwd, rowsum=gate == "scalar")[0]
    sums = boundary["sums"]
    assert sums.shape == (N, NC - 1, 1 if gate == "scalar" else K)
    assert torch.isfinite(sums).all()
    assert rel_err(sums, expected) < 1e-5


def test_state_pass_refuses_boundary_sums_it_cannot_make():
    """A value gate, given states (no state pass), no key gate, a rowsum that is not the gate's kind and states of
    the wrong shape are errors, not a slower path."""
    g = torch.Generator().manual_seed(4)
    gk, k, v, x = _scan_inputs("scalar", 1, g)
    N, T, K, V = 4, 90, 32, 32
    h = torch.randn(N, 6, K, V, generator=g).to(DEVICE)
    reads = [("v", "after", x)]
    scan = triton_engine.chunk_scan_triton
    kw = dict(chunk=16, force_chunk=True, return_states=True)
    with pytest.raises(ValueError, match="no value gate"):
        scan(gk, -torch.rand(N, T, V).to(DEVICE), None, None, k, v, None, reads, **kw,
             boundary={"h": h, "rowsum": True})
    with pytest.raises(ValueError, match="the state pass run by this scan"):
        done = scan(gk, None, None, None, k, v, None, [], **kw)
        scan(gk, None, None, None, k, v, None, reads, **kw, states=(done[3], None, done[1]),
             boundary={"h": h, "rowsum": True})
    with pytest.raises(ValueError, match="need a key gate"):
        scan(None, None, None, None, k, v, None, reads, **kw, boundary={"h": h, "rowsum": True})
    with pytest.raises(ValueError, match="rowsum for a scalar key gate"):
        scan(gk, None, None, None, k, v, None, reads, **kw, boundary={"h": h, "rowsum": False})
    with pytest.raises(ValueError, match="chunk states"):
        scan(gk, None, None, None, k, v, None, reads, **kw, boundary={"h": h[:, 1:], "rowsum": True})


@pytest.mark.parametrize("name,heads", [("mamba2", 2), ("kda", 1)])
def test_module_with_the_boundary_in_a_scan_pass(name, heads, monkeypatch):
    """With LINDSL_TUNE_SCAN_BOUNDARY=1 (Mamba-2's default) the generated backward launches no _boundary_kernel and its gradients (fp32,
    130 tokens: three of the engine's chunks of 64, which the backward takes) equal the separate kernel's (checked
    against fp64 by the library's tests): the rescan makes the sums (Mamba-2's scalar gate) or, with rank-one
    factors, the adjoint (KDA's per-dimension gate; a per-dimension gate's rescan: the engine's cases above)."""
    op = lindsl.load(name)
    launched = []
    real = triton_engine._boundary_kernel
    monkeypatch.setattr(op.module, "_boundary_kernel", _Counted(real, launched))
    args = random_inputs(op.spec, 1, 130, heads, default_sizes(op.spec, K=16, V=16), torch.float32, 1.0, 0)
    grads = {}
    for flag in ("0", "1"):
        monkeypatch.setenv("LINDSL_TUNE_SCAN_BOUNDARY", flag)
        launched.clear()
        xs = [a.detach().clone().to(DEVICE).requires_grad_(True) for a in args.values()]
        out = op(*xs, backend="triton", chunk_size=16)[0]
        out.backward(torch.ones_like(out))
        grads[flag] = [x.grad for x in xs]
        assert len(launched) == (flag == "0")
    for a, b in zip(grads["0"], grads["1"]):
        assert torch.isfinite(b).all() and rel_err(b, a) < 1e-5


class _Counted:
    """A Triton kernel whose launches are appended to a list."""

    def __init__(self, kernel, seen):
        self.kernel, self.seen = kernel, seen

    def __getitem__(self, grid):
        def launch(*args, **kwargs):
            self.seen.append(grid)
            return self.kernel[grid](*args, **kwargs)
        return launch
