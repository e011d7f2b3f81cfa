"""The launch order of value blocks (LINDSL_TUNE_GRID_VADJ): the state pass, the chunk-level adjoint's pass, the
read kernel, the read-outs from pair scores and the WY backward's dW (bits 1, 2, 4, 16, 32: the default), the
sub-chunked read and the state pass's key blocks (bits 8, 64: off until timed) may put a sequence's (or a chunk's)
blocks next to each other on the grid's first axis, so that programs sharing the key-side tiles run together. The
order changes no result: every output, final state and gradient equals the sequences-first launch's bit for bit,
with several blocks per sequence and chunk."""
import math

import pytest
import torch

import lindsl
from lindsl.check import random_inputs

triton_engine = pytest.importorskip("lindsl.runtime.triton_engine")

from devices import DEVICE  # noqa: E402
DEFAULT_ON = ("_state_kernel", "_chunk_adjoint_pass_kernel", "_read_kernel", "_chunk_dw_kernel", "_read_amat_kernel",
              "_read_amat_gated_kernel")
DEFAULT_OFF = ("_read_sub_kernel",)
FOLDED_AXIS = {"_state_kernel": 1, "_chunk_adjoint_pass_kernel": 1}  # the others fold their third axis

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


@pytest.mark.parametrize("source,knobs,order", [
    ("gated_deltanet", "", None), ("deltanet", "", None), ("mamba2", "FUSE_READS=1", None),
    (TWO_READS, "FUSE_READS=1", None), (TWO_READS, "", None), ("gated_deltanet", "", "127"), ("gla", "", "127"),
    ("kda", "", "127"), ("gla", "SUB_AMAT=0", "127")],
    ids=["gated_deltanet", "deltanet", "mamba2_fused", "two_reads_fused", "two_reads", "gated_deltanet_all",
         "gla_all", "kda_all", "gla_one_kernel_reads_all"])
def test_value_blocks_adjacent_change_no_result(source, knobs, order, monkeypatch):
    """Outputs, final state and every gradient in the default order (GRID_VADJ unset: 55) or with every bit (127)
    equal the sequences-first order's (GRID_VADJ=0; fp32, bit for bit), and the launches took the flattened grids:
    one program per (sequence or chunk, block) on the first axis; by default only DEFAULT_ON's kernels."""
    monkeypatch.setenv("LINDSL_TUNE_FUSE_READS", "0")
    for knob, value in [("STATE_BV", "16"), ("STATE_BK", "16"), ("PASS_BV", "16"), ("READ_BO", "16"),
                        ("GATED_BO", "16"), ("WYB_BK", "16")] + [kv.split("=") for kv in knobs.split()]:
        monkeypatch.setenv("LINDSL_TUNE_" + knob, value)
    op = lindsl.load(source)
    # three sequences and 40 tokens: more sequences and chunks (three) than blocks (two), so that a swapped (sequence
    # or chunk, block) decoding misses some (session 70: every case fails with _first_and_block's two results swapped)
    base = random_inputs(op.spec, 1, 40, 3, {"K": 32, "V": 32}, torch.float32, seed=11)
    runs = {}
    for knob in ("0", order):
        if knob is None:
            monkeypatch.delenv("LINDSL_TUNE_GRID_VADJ", raising=False)
        else:
            monkeypatch.setenv("LINDSL_TUNE_GRID_VADJ", knob)
        seen = []
        for name in DEFAULT_ON + DEFAULT_OFF:
            if hasattr(op.module, name):
                monkeypatch.setitem(op.module.__dict__, name, Launches(getattr(triton_engine, name), name, seen))
        xs = {n: x.to(DEVICE).requires_grad_(True) for n, x in base.items()}
        outs = flat(op(*xs.values(), backend="triton", output_final_state=True, chunk_size=16))
        grads = torch.autograd.grad(sum(o.square().sum() for o in outs), list(xs.values()), allow_unused=True)
        runs[knob] = [*outs, *(g for g in grads if g is not None)], seen
    (ref, seen_default), (got, seen_adjacent) = runs["0"], runs[order]
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
        assert grid[FOLDED_AXIS.get(name, 2)] == 1
    for (name, grid, vadj), (_, grid0, _) in zip(seen_adjacent, seen_default):
        several = grid0[FOLDED_AXIS.get(name, 2)] > 1
        assert vadj == (several and (order == "127" or name in DEFAULT_ON)), (name, grid0)
        if name == "_state_kernel" and vadj:  # the key blocks (grid0's third axis) folded too with bit 64
            assert grid[2] == (1 if order == "127" else grid0[2])
    if order == "127":  # of the kernels whose bits are off by default, only GLA's one-kernel reads launch one
        assert bool({name for name, _, _ in flattened} & set(DEFAULT_OFF)) == ("SUB_AMAT=0" in knobs)
        assert any(name == "_state_kernel" and grid0[2] > 1 for name, _, grid0 in flattened) == (source == "gla")
