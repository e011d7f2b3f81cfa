"""The launch order of value blocks (LINDSL_TUNE_GRID_VADJ): the state pass, the chunk-level adjoint's pass and the
read kernel may put a sequence's (or a chunk's) value blocks next to each other on the grid's first axis, so that
programs sharing the key-side tiles run together. The order changes no result: every output, final state and
gradient equals the sequences-first launch's bit for bit, with several value blocks per sequence and chunk; the
adjacent order is the default (session 60's timings)."""
import math
import os

import pytest
import torch

import lindsl
from lindsl.check import random_inputs

triton_engine = pytest.importorskip("lindsl.runtime.triton_engine")

DEVICE = "cuda" if torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET") == "0" else "cpu"
KERNELS = ("_state_kernel", "_chunk_adjoint_pass_kernel", "_read_kernel")

TWO_READS = """
lin two_reads_scalar_gate
dim K, V
in q[K], k[K], v[V], p[K]
in g: loggate
state S[K, V]
S = exp(g) * S + k v^T
out o = S^T q
out r = S[t-1]^T p
"""


class Launches:
    """A kernel whose launches' grid and VADJ are appended to a list."""

    def __init__(self, kernel, name, seen):
        self.kernel, self.name, self.seen = kernel, name, seen

    def __getitem__(self, grid):
        def launch(*args, **kwargs):
            self.seen.append((self.name, tuple(grid), bool(kwargs.get("VADJ", False))))
            return self.kernel[grid](*args, **kwargs)
        return launch


def flat(x):
    """A module's results as one list of tensors."""
    return [t for y in x for t in flat(y)] if isinstance(x, (tuple, list)) else [x]


@pytest.mark.parametrize("source,fuse", [("gated_deltanet", "0"), ("deltanet", "0"), ("mamba2", "1"),
                                         (TWO_READS, "1"), (TWO_READS, "0")],
                         ids=["gated_deltanet", "deltanet", "mamba2_fused", "two_reads_fused", "two_reads"])
def test_value_blocks_adjacent_change_no_result(source, fuse, monkeypatch):
    """Outputs, final state and every gradient in the default order (GRID_VADJ unset: 7) equal the sequences-first
    order's (GRID_VADJ=0; fp32, bit for bit), and the launches took the flattened grids: one program per (sequence or
    chunk, value block) on the first axis."""
    for knob, value in (("STATE_BV", "16"), ("PASS_BV", "16"), ("READ_BO", "16"), ("FUSE_READS", fuse)):
        monkeypatch.setenv("LINDSL_TUNE_" + knob, value)
    op = lindsl.load(source)
    base = random_inputs(op.spec, 2, 70, 2, {"K": 32, "V": 32}, torch.float32, seed=11)
    runs = {}
    for order in ("0", None):
        if order is None:
            monkeypatch.delenv("LINDSL_TUNE_GRID_VADJ", raising=False)
        else:
            monkeypatch.setenv("LINDSL_TUNE_GRID_VADJ", order)
        seen = []
        for name in KERNELS:
            if hasattr(op.module, name):
                monkeypatch.setitem(op.module.__dict__, name, Launches(getattr(triton_engine, name), name, seen))
        xs = {n: x.to(DEVICE).requires_grad_(True) for n, x in base.items()}
        outs = flat(op(*xs.values(), backend="triton", output_final_state=True, chunk_size=16))
        grads = torch.autograd.grad(sum(o.square().sum() for o in outs), list(xs.values()), allow_unused=True)
        runs[order] = [*outs, *(g for g in grads if g is not None)], seen
    (ref, seen_default), (got, seen_adjacent) = runs["0"], runs[None]
    assert len(got) == len(ref)
    for x, y in zip(got, ref):
        assert torch.isfinite(x).all() and torch.equal(x, y)
    assert seen_default and not any(vadj for _, _, vadj in seen_default)
    assert [name for name, _, _ in seen_adjacent] == [name for name, _, _ in seen_default]
    flattened = [(name, grid, grid0) for (name, grid, vadj), (_, grid0, _) in zip(seen_adjacent, seen_default)
                 if vadj]
    assert flattened, "no launch took the adjacent order"
    for name, grid, grid0 in flattened:
        assert math.prod(grid) == math.prod(grid0) and grid[0] > grid0[0]
        assert grid[2 if name == "_read_kernel" else 1] == 1
