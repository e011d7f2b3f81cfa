"""Peak and held memory of a forward+backward counted on the CPU (benchmarks/mem_cpu.py: Triton launches stubbed,
storages counted until freed), against the counts of session 45 (RESULTS "Session 45") or session 46 where it cut
one, so that a change keeping a tensor alive longer than before fails here: each bound is that count over the bytes
alive before the call (the inputs, their gradients, the output's cotangent), with 3 % room."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import mem_cpu  # noqa: E402

# spec: (peak / before, held / before) at B, T, H, D = 1, 1024, 4, 64 in bf16, counted in session 45 (after the rows
# kernels' autograd came to keep only the reads their backward takes: Mamba-2's held 0.449 -> 0.306; and the rows
# prologue to pass a gate used twice through in bf16 with gradients: KDA's 4.945, 1.010 -> 4.723, 0.789)
# session 46: the chunk-level adjoint's defaults (CA_H_BF16, CA_DVD_BF16), the WY backward writing a gradient given in
# its output dtype in place and the forward's W let go after the adjoint's pass: Gated DeltaNet's peak 4.500 ->
# 3.927, DeltaNet's 4.200 -> 3.773
# session 62: RWKV-7's backward the chunk-level adjoint by default, whose forward keeps its WY system and chunk
# states for it: held 0.394 -> 0.471, peak 3.413 -> 3.418 here (on the H100 at 4x4096x64x128 the peak fell 13168 ->
# 11272 MB)
COUNTS = {"gated_deltanet": (3.927, 1.159), "deltanet": (3.773, 1.156), "mamba2": (2.671, 0.306),
          "kda": (4.723, 0.789), "rwkv7": (3.433, 0.471), "gla": (2.611, 0.347), "rwkv6": (3.055, 0.125),
          "hgrn2": (3.214, 0.589)}


@pytest.fixture
def stubbed_launches(monkeypatch):
    """Every Triton launch returns at once for the test (mem_cpu's stub, undone afterwards): host code only."""
    from triton.runtime.autotuner import Autotuner
    from triton.runtime.interpreter import InterpretedFunction
    monkeypatch.setattr(InterpretedFunction, "run", lambda self, *a, grid, warmup, **kw: None)
    monkeypatch.setattr(Autotuner, "run", lambda self, *a, **kw: None)


@pytest.mark.parametrize("spec", sorted(COUNTS))
def test_peak_and_held_memory_within_the_recorded_counts(spec, stubbed_launches, monkeypatch):
    monkeypatch.delenv("LINDSL_TUNE_ROWS_GRAD", raising=False)
    call, inputs = mem_cpu.lindsl_call(spec, 1, 1024, 4, 64, "rows", h200=False)
    peak, before, held = mem_cpu.measure(call, inputs)[:3]
    want_peak, want_held = COUNTS[spec]
    assert before > 0 and peak > held > before
    assert peak / before <= 1.03 * want_peak, (peak / before, want_peak)
    assert (held - before) / before <= 1.03 * want_held, ((held - before) / before, want_held)


@pytest.mark.parametrize("spec", ["gated_deltanet", "kda", "mamba2", "rwkv7"])
def test_recomputed_prologue_holds_less_from_forward_to_backward(spec, stubbed_launches, monkeypatch):
    """LINDSL_TUNE_RECOMPUTE_PROLOGUE=1: the cores' saved prologue outputs are made again in the backward, so a
    layer holds fewer bytes from its forward to its backward (at 2x16384x16x128: Gated DeltaNet 964 -> 452 MB, fla's
    454; KDA 898 -> 386, Mamba-2 260 -> 130, RWKV-7 642 -> 386), and the peak stays where it was."""
    counts = {}
    for knob in ("0", "1"):
        monkeypatch.setenv("LINDSL_TUNE_RECOMPUTE_PROLOGUE", knob)
        call, inputs = mem_cpu.lindsl_call(spec, 1, 1024, 4, 64, "rows", h200=False)
        peak, before, held = mem_cpu.measure(call, inputs)[:3]
        counts[knob] = (peak - before, held - before)
    assert counts["1"][1] < 0.7 * counts["0"][1], counts
    assert counts["1"][0] <= counts["0"][0], counts


@pytest.mark.parametrize("spec", ["gated_deltanet", "deltanet", "kda", "mamba2", "rwkv7", "hgrn2"])
def test_recomputed_prologue_gives_the_same_gradients(spec, monkeypatch):
    """The gradients with the prologue's outputs made again in the backward (interpreter, bf16 inputs, the rows
    prologue's kernels) are bit-identical to those of the saved outputs, and so are a second backward's through the
    same graph (retain_graph: the hooks remake them again; a second backward differs from the first in the last bit
    either way, the WY rows being let go after the first); no hook stays registered after the call. (GLA's and
    RWKV-6's cores save only the callers' inputs, which the prologue passes through: nothing to remake there.)"""
    import torch

    import lindsl
    from lindsl.check import default_sizes, random_inputs
    op = lindsl.load(spec)
    args = random_inputs(op.spec, 1, 40, 2, default_sizes(op.spec, K=16, V=16, M=2), gate_scale=2.0, seed=6)
    remade = []
    unpack = op.module._RecomputedPrologue.unpack
    monkeypatch.setattr(op.module._RecomputedPrologue, "unpack",
                        lambda self, saved: (torch.is_tensor(saved) or remade.append(saved), unpack(self, saved))[1])

    def grads(knob, twice=False):
        monkeypatch.setenv("LINDSL_TUNE_RECOMPUTE_PROLOGUE", knob)
        xs = {n: x.detach().clone().to(torch.bfloat16).requires_grad_(True) for n, x in args.items()}
        out, _ = op(**xs, chunk_size=16, backend="triton")
        do = torch.randn(out.shape, generator=torch.Generator().manual_seed(1)).to(out.dtype)
        first = torch.autograd.grad(out, list(xs.values()), do, retain_graph=twice, allow_unused=True)
        if not twice:
            return first
        return first, torch.autograd.grad(out, list(xs.values()), do, allow_unused=True)
    for kept, again in zip(grads("0", twice=True), grads("1", twice=True)):
        for a, b in zip(kept, again):
            assert (a is None) == (b is None)
            assert a is None or torch.equal(a, b)
    assert remade  # the backward took at least one prologue output made again
    assert not torch._C._autograd._top_saved_tensors_default_hooks(False)
