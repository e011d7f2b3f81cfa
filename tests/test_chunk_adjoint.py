"""The chunk-level adjoint of the rank-one recurrence (NOTES v39-v41; the ops' backward for a scalar key gate by
default, any rank-one spec with LINDSL_TUNE_CHUNK_ADJOINT=1): engine.chunk_adjoint against autograd through
engine.chunk_scan, with its pass as a loop and as the Triton kernel, the kernels compiled for sm_90, the library's
rank-one specs through the knob, and which backward runs by default."""
import itertools

import pytest
import torch

from lindsl.check import rel_err
from lindsl.runtime.engine import chunk_adjoint, chunk_scan

from devices import DEVICE, TRITON_GPU  # noqa: E402


def _problem(gate, R, P, timings, N=2, T=37, K=6, V=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    f = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)  # noqa: E731
    a = torch.nn.functional.normalize(f(N, T, R, K), dim=-1) / R
    b = -0.5 * a + 0.1 * f(N, T, R, K)
    k, v = (f(N, T, P, K), f(N, T, P, V)) if P else (None, None)
    gk = {"none": None, "scalar": lambda: -torch.rand(N, T, generator=g, dtype=torch.float64) * 0.5,
          "vector": lambda: -torch.rand(N, T, K, generator=g, dtype=torch.float64) * 0.5}[gate]
    gk = gk() if gk else None
    return gk, b, a, k, v, [f(N, T, K) for _ in timings], f(N, K, V)


def _by_autograd(gk, b, a, k, v, xs, S0, timings, C, K, V, seed=1):
    names = [n for n, t in zip(("gk", "b", "a", "k", "v", "S0"), (gk, b, a, k, v, S0)) if t is not None]
    leaves = {n: t.clone().requires_grad_(True) for n, t in zip(names, (t for t in (gk, b, a, k, v, S0)
                                                                       if t is not None))}
    leaves.update({f"x{i}": x.clone().requires_grad_(True) for i, x in enumerate(xs)})
    outs, ST, _ = chunk_scan(leaves.get("gk"), None, leaves["b"], leaves["a"], leaves.get("k"), leaves.get("v"),
                             leaves["S0"], [("k", t, leaves[f"x{i}"]) for i, t in enumerate(timings)], chunk=C,
                             K=K, V=V)
    g = torch.Generator().manual_seed(seed)
    dO = [torch.randn(o.shape, generator=g, dtype=torch.float64) for o in outs]
    dST = torch.randn(ST.shape, generator=g, dtype=torch.float64)
    grads = torch.autograd.grad(sum((o * d).sum() for o, d in zip(outs, dO)) + (ST * dST).sum(),
                                list(leaves.values()))
    return dict(zip(leaves, grads)), dO, dST


@pytest.mark.parametrize("gate,R,P,timings", list(itertools.product(
    ("none", "scalar", "vector"), (1, 2), (0, 1, 2), (("after",), ("after", "before"), ("before",))))[::2])
def test_engine_chunk_adjoint_equals_autograd(gate, R, P, timings):
    """engine.chunk_adjoint (batched over sequences and chunks, the pass a loop, T past whole chunks; every other
    combination of gate, factor count, input count and read timings) gives every
    gradient of engine.chunk_scan's outputs and final state as autograd through it does, in fp64, the key gate's by
    the gauge sums within each chunk plus the exact derivative at the next chunk's first token."""
    C, K, V = 8, 6, 5
    gk, b, a, k, v, xs, S0 = _problem(gate, R, P, timings)
    want, dO, dST = _by_autograd(gk, b, a, k, v, xs, S0, timings, C, K, V)
    _, ST, u, Sc, _ = chunk_scan(gk, None, b, a, k, v, S0, [], chunk=C, K=K, V=V, return_states=True)
    got = chunk_adjoint(gk, b, a, k, v, list(zip(timings, xs)), dO, dST, Sc, u, ST=ST, chunk=C)
    by_name = {"gk": got["dgk"], "b": got["db"], "a": got["da"], "k": got["dk"], "v": got["dv"], "S0": got["dS0"]}
    by_name.update({f"x{i}": d for i, d in enumerate(got["dx"])})
    for name, w in want.items():
        assert rel_err(by_name[name], w) < 1e-10, name


@pytest.mark.parametrize("gate,R,timings,pairs,scale_rows", [("scalar", 1, ("after",), False, "0"),
                                                             ("scalar", 2, ("after", "before"), False, "1"),
                                                             ("vector", 2, ("after", "before"), False, "0"),
                                                             ("none", 1, ("before",), False, "0"),
                                                             ("none", 2, ("after", "before"), True, "0"),
                                                             ("none", 1, ("before", "after"), True, "0")])
def test_engine_chunk_adjoint_with_the_triton_pass(gate, R, timings, pairs, scale_rows, monkeypatch):
    """The same with the adjoint pass on the Triton kernel (_chunk_adjoint_pass_kernel; interpreter, fp32 tiles and
    state), against autograd in fp64: Gated DeltaNet's class, two factors with a scalar gate (its decays on the
    narrow tiles' rows, SCALE_ROWS) or per-dimension gates and reads of both timings, no gate with a read before the
    update; with pairs the kernel makes the pair terms D0 itself (PAIRS)."""
    from lindsl.runtime.triton_engine import ACCURATE, chunk_adjoint_pass_triton
    monkeypatch.setenv("LINDSL_TUNE_PASS_SCALE_ROWS", scale_rows)
    C, K, V = 16, 16, 16
    gk, b, a, k, v, xs, S0 = _problem(gate, R, 1, timings, T=40, K=K, V=V)
    want, dO, dST = _by_autograd(gk, b, a, k, v, xs, S0, timings, C, K, V)
    _, ST, u, Sc, _ = chunk_scan(gk, None, b, a, k, v, S0, [], chunk=C, K=K, V=V, return_states=True)

    def on_triton(b, W, D0, x, dO, G, Gex, before_mask, dST):
        f32 = [None if t is None or (pairs and t is D0) else t.float() for t in (b, W, D0, x, dO, G, Gex, dST)]
        return chunk_adjoint_pass_triton(*f32, C, before_mask=before_mask, precision=ACCURATE)
    got = chunk_adjoint(gk, b, a, k, v, list(zip(timings, xs)), dO, dST, Sc, u, ST=ST, chunk=C, pass_fn=on_triton)
    by_name = {"gk": got["dgk"], "b": got["db"], "a": got["da"], "k": got["dk"], "v": got["dv"], "S0": got["dS0"]}
    by_name.update({f"x{i}": d for i, d in enumerate(got["dx"])})
    for name, w in want.items():
        assert rel_err(by_name[name], w) < 1e-4, name


def test_chunk_adjoint_pass_makes_pair_terms_without_a_gate_only():
    """The pass makes the pair terms itself (D0 None) without a gate only: with a scalar gate that kernel faulted on
    the H200 (session 42), so asking for it is an error, as are reads before the update without the exclusive sums."""
    from lindsl.runtime.triton_engine import chunk_adjoint_pass_triton
    N, T, K, V, C = 1, 32, 16, 16, 16
    b, x = torch.randn(N, T, 1, K), torch.randn(N, T, 1, K)
    dO, W, dST = torch.randn(N, T, 1, V), torch.randn(N, T // C, C, K), torch.randn(N, K, V)
    G = -torch.rand(N, T).cumsum(1)
    with pytest.raises(ValueError, match="without a gate only"):
        chunk_adjoint_pass_triton(b, W, None, x, dO, G, None, dST, C)
    with pytest.raises(ValueError, match="exclusive gate sums"):
        chunk_adjoint_pass_triton(b, W, torch.zeros(N, T, 1, V), x, dO, G, None, dST, C, before_mask=1)


CHUNK_ADJOINT_PASS_AOT = """
import inspect
import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource
from lindsl.runtime.triton_engine import _chunk_adjoint_pass_kernel as kernel, _pass_stages
kernel = getattr(kernel, "jitted", kernel)  # the JITFunction under the engine's fast launch
for tile, GK, FOLD, PAIRS, SCALE_ROWS, BOUNDARY in [
        ("*fp32", 1, 0, False, False, False), ("*fp32", 1, 0, False, True, True), ("*bf16", 1, 2, False, True, True),
        ("*bf16", 2, 0, False, False, False), ("*bf16", 0, 2, False, False, False), ("*bf16", 0, 1, True, False, False)]:
    params = list(inspect.signature(kernel.fn).parameters)
    defaults = {n: p.default for n, p in inspect.signature(kernel.fn).parameters.items()
                if p.default is not inspect.Parameter.empty}  # the constexprs the launches leave at their defaults
    consts = defaults | dict(K=128, V=128, C=64, R=1, NX=1, BK=128, BV=32, BL=64, BLX=64, GK=GK, PREC="tf32",
                             BEFORE_MASK=0, REV_H=True, FOLD=FOLD, PAIRS=PAIRS, PAIR_PREC="tf32",
                             SCALE_ROWS=SCALE_ROWS, BOUNDARY=BOUNDARY, VADJ=True)
    types = {p: tile for p in ("b_ptr", "w_ptr", "x_ptr", "do_ptr", "h_ptr")} | {"OSCALE": "fp32"}
    sig = {p: "constexpr" if p in consts else types.get(p, "*fp32" if p.endswith("_ptr") else "i32") for p in params}
    src = ASTSource(fn=kernel, signature=sig, constexprs={(params.index(k),): v for k, v in consts.items()})
    opts = {"num_warps": 4, "num_stages": _pass_stages(4 if tile == "*fp32" else 2, GK, SCALE_ROWS)}  # as launched
    print(tile, GK, FOLD, PAIRS, triton.compile(src, target=GPUTarget("cuda", 90, 32), options=opts).metadata.shared)
"""


def test_chunk_adjoint_pass_kernel_compiles_for_hopper():
    """The chunk-level adjoint's pass kernel compiles for sm_90 on the CPU (aot_check's recorder sees only the variants
    the library's specs launch), at K = V = 128 in chunks of 64 with fp32 or bf16 tiles, the pair terms
    loaded or made (PAIRS), the scalar decays on the narrow rows (SCALE_ROWS) and the boundary sums (BOUNDARY) or
    not, the value blocks adjacent (VADJ, the default), in a process without the interpreter, with its shared memory
    within the H200's."""
    import subprocess
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import aot_check
    run = subprocess.run([sys.executable, "-c", CHUNK_ADJOINT_PASS_AOT], env=aot_check.clean_env(),
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    shared = [int(line.split()[-1]) for line in run.stdout.splitlines()]
    assert len(shared) == 6 and max(shared) <= 232448, run.stdout


@pytest.mark.parametrize("name", ["deltanet", "gated_deltanet", "kda", "rwkv7", "mom_gated_deltanet"])
def test_library_backward_through_the_chunk_level_adjoint(name, monkeypatch):
    """LINDSL_TUNE_CHUNK_ADJOINT=1 (the ops' backward through the chunk-level adjoint: engine.chunk_adjoint on the
    PyTorch engine, chunk_adjoint_triton, every phase a kernel, on the Triton engine: a per-dimension gate's too,
    KDA's and RWKV-7's): every rank-one library spec's outputs, final states and every gradient equal the naive
    recurrence's, in fp64 on the PyTorch engine and in fp32 on the Triton kernels (interpreter), with initial
    states, over chunks of 16 with the last cut short."""
    import lindsl
    from lindsl.check import compare, default_sizes
    monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", "1")
    op = lindsl.load(name)
    calls = []
    for fn in ("chunk_adjoint", "chunk_adjoint_triton"):
        through = op.module.__dict__[fn]
        monkeypatch.setitem(op.module.__dict__, fn,
                            lambda *a, _fn=fn, _through=through, **kw: calls.append(_fn) or _through(*a, **kw))
    sizes = default_sizes(op.spec, K=16, V=16, M=2)
    for backend, dtype in (("torch", torch.float64), ("triton", torch.float32)):
        calls.clear()
        for cmp in compare(op, B=1, T=37, H=2, sizes=sizes, dtype=dtype, chunk=16, gate_scale=3.0, backend=backend):
            assert cmp.ok, (backend, cmp)
        want = "chunk_adjoint_triton" if backend == "triton" else "chunk_adjoint"
        assert calls and set(calls) == {want}, (backend, calls)


def test_chunk_adjoint_kernels_compile_for_hopper(monkeypatch):
    """Every kernel variant DeltaNet's and Gated DeltaNet's bf16 forward and backward launch with
    LINDSL_TUNE_CHUNK_ADJOINT=1 (the pass with the delta rule's fold, the dW products, the WY backward with the
    forward's (I - M)^-1, the adjoint reads without a state term) compiles for sm_90 on the CPU (aot_check in a
    process without the interpreter; session 40 found a pass kernel that the interpreter ran and the compiler
    refused)."""
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import aot_check
    monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", "1")
    run = aot_check.run_clean("deltanet,gated_deltanet", timeout=600)
    assert run.returncode == 0 and " 0 problems" in run.stdout, run.stdout[-3000:] + run.stderr[-3000:]
    for kernel in ("_chunk_adjoint_pass_kernel", "_chunk_dw_kernel", "_chunk_wy_backward_kernel"):
        assert kernel in run.stdout, (kernel, run.stdout[-3000:])
    lines = run.stdout.splitlines()
    assert any(line.startswith("_chunk_adjoint_pass_kernel") and "'FOLD': 2" in line for line in lines)
    assert any(line.startswith("_chunk_wy_backward_kernel") and "'LOAD_T': True" in line for line in lines)
    assert any(line.startswith("_read_kernel") and "'HAS_H': False" in line for line in lines)


GATED_PAIRS_AOT = """
import inspect
import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource
from lindsl.runtime import triton_engine as te
kernel = getattr(te._gated_pairs_kernel, "jitted", te._gated_pairs_kernel)
params = list(inspect.signature(kernel.fn).parameters)
for warps, modes in [(2, ((True, False), (False, True))), (4, ((True, True),))]:
    for fwd, bwd in modes:
        consts = dict(K=128, C=64, BK=64, TWO=True, PREC="tf32", FWD=fwd, BWD=bwd)
        sig = {p: "constexpr" if p in consts else "*bf16" if p in ("a_ptr", "b_ptr", "k_ptr") else
               "*fp32" if p.endswith("_ptr") else "i32" for p in params}
        src = ASTSource(fn=kernel, signature=sig, constexprs={(params.index(k),): v for k, v in consts.items()})
        meta = triton.compile(src, target=GPUTarget("cuda", 90, 32), options={"num_warps": warps}).metadata
        print(fwd, bwd, meta.shared)
"""


def test_gated_pairs_kernels_compile_for_hopper():
    """The per-dimension gate's products through the decays (_gated_pairs_kernel, either direction on two warps,
    both in one program on four; K = 128 in chunks of 64, key blocks of 64) compile for sm_90 on the CPU, in a
    process without the interpreter (the interpreter runs what the compiler may refuse: session 40)."""
    import subprocess
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    import aot_check
    run = subprocess.run([sys.executable, "-c", GATED_PAIRS_AOT], env=aot_check.clean_env(), capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(run.stdout.splitlines()) == 3, run.stdout


def _token_problem(gate, R, P, NR, HS, B, T, K, V, fold, seed=0):
    """fp32 inputs in the token layout of HS heads ([N, T, ...] for HS = 1): chunk_adjoint_triton's."""
    g = torch.Generator().manual_seed(seed)
    f = lambda *s: torch.randn(*s, generator=g)  # noqa: E731
    lay = (lambda *inner: (B * HS, T) + inner) if HS == 1 else (lambda *inner: (B, T, HS) + inner)  # noqa: E731
    a = torch.nn.functional.normalize(f(*lay(R, K)), dim=-1) / R
    b = -0.5 * a + 0.1 * f(*lay(R, K))
    k, v = (f(*lay(P, K)), f(*lay(P, V))) if P else (None, None)
    if fold is not None:
        k = torch.nn.functional.normalize(k, dim=-1)
        s = torch.rand(*lay(), generator=g) if fold == "tensor" else None
        b = -(k if s is None else s[..., None, None] * k)
        fold = True if s is None else s
    gk = {"scalar": lambda: -torch.rand(*lay(), generator=g) * 0.5,
          "vector": lambda: -torch.rand(*lay(K), generator=g) * 0.5}.get(gate, lambda: None)()
    return gk, b, a, k, v, [f(*lay(K)) for _ in range(NR)], [f(*lay(V)) for _ in range(NR)], f(B * HS, K, V), fold


@pytest.mark.parametrize("gate,R,P,NR,HS,fold,tinv,knobs", [
    ("none", 1, 1, 1, 1, None, False, {}),
    ("scalar", 1, 1, 1, 2, None, True, {}),
    ("scalar", 1, 1, 1, 2, None, True, {"PASS_SCALE_ROWS": "0"}),
    ("scalar", 2, 2, 1, 1, None, True, {"WYB_BK": "8", "PASS_BV": "8"}),
    ("none", 2, 1, 2, 1, None, False, {"CA_FLIP": "1"}),
    ("scalar", 1, 0, 1, 1, None, False, {}),
    ("none", 1, 1, 1, 1, "one", True, {}),
    ("scalar", 1, 1, 1, 2, "tensor", True, {"WYB_BK": "8", "CA_FLIP": "1"}),
    ("scalar", 1, 1, 1, 2, "tensor", True, {"PASS_SCALE_ROWS": "0", "PASS_BOUNDARY": "0"}),
    ("scalar", 2, 1, 1, 1, None, False, {"PASS_BOUNDARY": "0", "PASS_BV": "8"}),
    ("none", 1, 1, 1, 2, "tensor", True, {"PASS_PAIRS": "0"}),
    ("none", 2, 1, 2, 1, None, False, {"PASS_BV": "8"}),
    ("none", 2, 2, 1, 1, None, True, {"PASS_PAIRS": "0"}),
    ("vector", 1, 1, 1, 1, None, True, {}),
    ("vector", 1, 1, 1, 2, "tensor", True, {"PAIRS_BK": "8", "PASS_BV": "8"}),
    ("vector", 1, 1, 1, 2, None, False, {"PASS_BV": "8"}),
    ("vector", 1, 1, 1, 1, "one", False, {"CA_FLIP": "1"}),
    ("vector", 1, 1, 1, 2, "tensor", True, {"PASS_BOUNDARY_ROWS": "0", "PASS_BV": "8"}),
])
def test_chunk_adjoint_triton_equals_the_engine(gate, R, P, NR, HS, fold, tinv, knobs, monkeypatch):
    """chunk_adjoint_triton (every phase a Triton kernel; interpreter, fp32) gives engine.chunk_adjoint's gradients
    (fp64) over no and scalar gates, 1-2 factors, 0-2 inputs, 1-2 reads, the token layout of two heads, the delta
    rule's fold (s = 1 and per token: dv from the pass), (I - M)^-1 from the forward's WY kernel or solved again,
    key and value blocks narrower than the rows (the kernels' loops), the adjoint reads' sources reversed where they
    lie or flipped copies (CA_FLIP), T past whole chunks, the pair terms D0 made by the pass without a gate (by a
    read with PASS_PAIRS=0), the pass's scalar decays on the narrow tiles' rows or on whole tiles
    (PASS_SCALE_ROWS=0), the gate gradient's boundary sums made by the pass or by _boundary_kernel
    (PASS_BOUNDARY=0; a per-dimension gate's row sums by _boundary_kernel with PASS_BOUNDARY_ROWS=0)."""
    from lindsl.runtime.triton_engine import ACCURATE, chunk_adjoint_triton, chunk_scan_triton
    from lindsl.runtime import triton_engine
    for name, value in knobs.items():
        monkeypatch.setenv(f"LINDSL_TUNE_{name}", value)
    separate = []  # the boundary sums by _boundary_kernel (not by the pass)
    boundary_sums = triton_engine.chunk_boundary_sums_triton
    monkeypatch.setattr(triton_engine, "chunk_boundary_sums_triton",
                        lambda *a, **kw: separate.append(1) or boundary_sums(*a, **kw))
    B, T, K, V, C = 1 if HS > 1 else 2, 40, 16, 16, 16
    gk, b, a, k, v, xs, dO, dST, fold = _token_problem(gate, R, P, NR, HS, B, T, K, V, fold)
    wy = []
    _, ST, u, h, _ = chunk_scan_triton(gk, None, b, a, k, v, None, [], chunk=C, K=K, V=V, precision=ACCURATE,
                                       return_states=True, force_chunk=True, wy=wy, heads=HS, wy_inverse=tinv,
                                       fold=fold)
    assert (len(wy) > 5) == tinv
    got = chunk_adjoint_triton(gk, b, a, k, v, [("after", x) for x in xs], dO, dST, h, u, wy[1], C, heads=HS,
                               precision=ACCURATE, ST=ST, gate_grad=gk is not None, fold=fold,
                               tinv=wy[5] if tinv else None)
    N = B * HS

    def rows(x):  # the token layout to the engine's rows, in fp64
        x = x if x is None or HS == 1 else x.transpose(1, 2).reshape((N, T) + tuple(x.shape[3:]))
        return None if x is None else x.double()

    def unrows(x):
        return x if x is None or HS == 1 else x.reshape((B, HS, T) + tuple(x.shape[2:])).transpose(1, 2)
    _, ST2, u2, h2, _ = chunk_scan(rows(gk), None, rows(b), rows(a), rows(k), rows(v), None, [], chunk=C, K=K, V=V,
                                   return_states=True)
    want = chunk_adjoint(rows(gk), rows(b), rows(a), rows(k), rows(v), [("after", rows(x)) for x in xs],
                         [rows(d) for d in dO], dST.double(), h2, u2, ST=ST2, chunk=C)
    for name in ("db", "da", "dk", "dv", "dgk"):
        if want[name] is not None:
            assert rel_err(got[name].double(), unrows(want[name])) < 1e-5, name
    assert rel_err(got["dS0"].double(), want["dS0"]) < 1e-5
    for d, w in zip(got["dx"], want["dx"]):
        assert rel_err(d.double(), unrows(w)) < 1e-5
    in_pass = knobs.get("PASS_BOUNDARY") != "0" and (gate == "scalar" or knobs.get("PASS_BOUNDARY_ROWS") != "0")
    assert len(separate) == (gate != "none" and not in_pass)


@pytest.mark.parametrize("HS,fold,tinv,scale,knobs", [(1, None, True, 0.5, {}),
                                                     (2, "tensor", True, 5.0, {"PAIRS_BK": "8"}),
                                                     (1, "one", False, 20.0, {"PASS_BV": "8"}),
                                                     (2, None, False, 2.0, {"CA_FLIP": "1"}),
                                                     (1, "one", False, 20.0, {"PAIRS_ONE": "1"}),
                                                     (2, "tensor", False, 20.0, {"PAIRS_ONE": "1"})])
def test_chunk_adjoint_triton_with_a_per_dimension_gate(HS, fold, tinv, scale, knobs, monkeypatch):
    """A per-dimension key gate's chunk-level adjoint on the Triton kernels (KDA's, RWKV-7's class: one factor, one
    input, one read) in chunks of 64 over four 16-row blocks, T past whole chunks: the pair scores' blocks above the
    diagonal are never written (poisoned under the tests), the block pairs of _gated_pairs_kernel go through their
    reference rows, gates up to 20 per token (decays far below fp32's range within a chunk); every gradient and the
    gate's within 1e-4 of engine.chunk_adjoint's in fp64, with (I - M)^-1 from the forward or solved again, and with
    the products through the decays in both directions in one launch (PAIRS_ONE=1)."""
    from lindsl.runtime.triton_engine import ACCURATE, chunk_adjoint_triton, chunk_scan_triton
    for name, value in knobs.items():
        monkeypatch.setenv(f"LINDSL_TUNE_{name}", value)
    B, T, K, V, C = 1 if HS > 1 else 2, 150, 16, 16, 64
    gk, b, a, k, v, xs, dO, dST, fold = _token_problem("vector", 1, 1, 1, HS, B, T, K, V, fold)
    gk = gk * (scale / 0.5)
    wy = []
    _, ST, u, h, _ = chunk_scan_triton(gk, None, b, a, k, v, None, [], chunk=C, K=K, V=V, precision=ACCURATE,
                                       return_states=True, force_chunk=True, wy=wy, heads=HS, wy_inverse=tinv,
                                       fold=fold)
    got = chunk_adjoint_triton(gk, b, a, k, v, [("after", x) for x in xs], dO, dST, h, u, wy[1], C, heads=HS,
                               precision=ACCURATE, ST=ST, gate_grad=True, fold=fold, tinv=wy[5] if tinv else None)
    N = B * HS

    def rows(x):
        return None if x is None else (x if HS == 1 else x.transpose(1, 2).reshape((N, T) + x.shape[3:])).double()

    def unrows(x):
        return x if HS == 1 else x.reshape((B, HS, T) + x.shape[2:]).transpose(1, 2)
    _, ST2, u2, h2, _ = chunk_scan(rows(gk), None, rows(b), rows(a), rows(k), rows(v), None, [], chunk=C, K=K, V=V,
                                   return_states=True)
    want = chunk_adjoint(rows(gk), rows(b), rows(a), rows(k), rows(v), [("after", rows(x)) for x in xs],
                         [rows(d) for d in dO], dST.double(), h2, u2, ST=ST2, chunk=C)
    for name in ("db", "da", "dk", "dv", "dgk"):
        assert rel_err(got[name].double(), unrows(want[name])) < 1e-4, name
    assert rel_err(got["dx"][0].double(), unrows(want["dx"][0])) < 1e-4
    assert rel_err(got["dS0"].double(), want["dS0"]) < 1e-4


@pytest.mark.parametrize("name,knobs", [("deltanet", {}), ("gated_deltanet", {}), ("deltanet", {"CA_DVD_BF16": "0"}),
                                        ("gated_deltanet", {"PASS_SCALE_ROWS": "0", "PASS_BOUNDARY": "0",
                                                            "CA_H_BF16": "0", "CA_DVD_BF16": "0"}),
                                        ("deltanet", {"CA_DBK_BF16": "0"}), ("gated_deltanet", {"CA_DBK_BF16": "0"}),
                                        ("gated_deltanet", {"CA_D0_BF16": "0"}), ("deltanet", {"CA_DU_FROM_DV": "0"}),
                                        ("gated_deltanet", {"CA_DU_FROM_DV": "0"}), ("rwkv7", {})])
def test_chunk_adjoint_bf16_gradients_as_accurate_as_the_default(name, knobs, monkeypatch):
    """DeltaNet's and Gated DeltaNet's bf16 gradients through the chunk-level adjoint (LINDSL_TUNE_CHUNK_ADJOINT=1:
    the pass's and the WY backward's bf16 products, the gradients stored in bf16 by the kernels, the gate's gauge
    terms summed by them) are as close to the fp64 PyTorch engine's as the default backward's (interpreter; bf16
    rounding of each gradient is about 4e-3), with the defaults of session 46 (the pass's scalar decays on the
    narrow rows, the boundary sums made by the pass, the rescan's chunk-start states h in bf16, dv's direct part
    stored in bf16: the pass's dvd_dtype, checked by a spy; session 47's merged read's parts of db and dk in bf16,
    the gate's gauge terms of those parts summed by the read in fp32; session 63's pair terms D0 in bf16 where the
    gate is scalar, CA_D0_BF16, and du made from dv's direct part, CA_DU_FROM_DV) and with each of them off; RWKV-7
    (a per-dimension gate, no fold) keeps its D0 in fp32."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    op = lindsl.load(name)
    args = random_inputs(op.spec, 1, 70, 2, default_sizes(op.spec, K=16, V=16, M=2), gate_scale=3.0, seed=3)

    def grads(knob, dtype):
        monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", knob)
        xs = {n: x.detach().clone().to(DEVICE, dtype).requires_grad_(True) for n, x in args.items()}
        out, _ = op(**xs, chunk_size=16, backend="torch" if dtype == torch.float64 else "triton")
        do = torch.randn(out.shape, generator=torch.Generator().manual_seed(5), dtype=torch.float64).to(DEVICE)
        (out.double() * do).sum().backward()
        return {n: x.grad.double() for n, x in xs.items()}
    want = grads("0", torch.float64)
    default = grads("0", torch.bfloat16)
    for knob, value in knobs.items():
        monkeypatch.setenv(f"LINDSL_TUNE_{knob}", value)
    dvd, d0 = [], []
    pass_fn = op.module.chunk_adjoint_pass_triton
    monkeypatch.setitem(op.module.__dict__, "chunk_adjoint_pass_triton",
                        lambda *a, **kw: dvd.append(kw.get("dvd_dtype")) or d0.append(a[2] is not None and a[2].dtype)
                        or pass_fn(*a, **kw))
    chunked = grads("1", torch.bfloat16)
    assert dvd == [torch.bfloat16 if knobs.get("CA_DVD_BF16", "1") == "1" else torch.float32]
    low_d0 = name == "gated_deltanet" and knobs.get("CA_D0_BF16", "1") == "1"
    assert d0 == [name != "deltanet" and (torch.bfloat16 if low_d0 else torch.float32)]
    for name, w in want.items():
        assert rel_err(chunked[name], w) < max(1.5 * rel_err(default[name], w), 1e-2), name


def test_low_precision_read_parts_keep_the_gate_gradient_exact(monkeypatch):
    """With CA_DBK_BF16 (the default; =0 turns it off) the merged read stores its parts of db and dk in bf16 but sums
    the gate's gauge terms of them from its fp32 results, and the WY backward sums only its own parts' (GAUGE_OWN):
    Gated DeltaNet's gate gradient (chunk_adjoint_triton's fp32 dgk) is the knob-off one to fp32 summation order
    (the rounded parts in the WY backward's sums put it about 1e-2 away), while db and dk carry the extra rounding."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    op = lindsl.load("gated_deltanet")
    D = 64 if TRITON_GPU else 16
    args = random_inputs(op.spec, 1, 70, 2, default_sizes(op.spec, K=D, V=D, M=2), gate_scale=3.0, seed=4)
    monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", "1")
    adjoint = op.module.chunk_adjoint_triton
    got = []
    monkeypatch.setitem(op.module.__dict__, "chunk_adjoint_triton",
                        lambda *a, **kw: got.append(adjoint(*a, **kw)) or got[-1])

    def grads(knob):
        monkeypatch.setenv("LINDSL_TUNE_CA_DBK_BF16", knob)
        xs = {n: x.detach().clone().to(torch.bfloat16).requires_grad_(True) for n, x in args.items()}
        out, _ = op(**xs, chunk_size=16, backend="triton")
        do = torch.randn(out.shape, generator=torch.Generator().manual_seed(5))
        (out.float() * do).sum().backward()
        return got[-1]
    off, on = grads("0"), grads("1")
    assert len(got) == 2 and on["dgk"].dtype == torch.float32
    assert rel_err(on["dgk"].double(), off["dgk"].double()) < 1e-5
    assert rel_err(on["dk"].double(), off["dk"].double()) > 0


@pytest.mark.parametrize("knob,dtype", [(None, torch.bfloat16), ("0", torch.float32), ("1", torch.bfloat16)])
def test_chunk_adjoint_rescan_states_in_bf16_by_knob(knob, dtype, monkeypatch):
    """Gated DeltaNet's chunk-level adjoint rescans its chunk-start states in bf16 by default (low_h; session 46)
    and in fp32 with LINDSL_TUNE_CA_H_BF16=0, bf16 inputs."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", "1")
    if knob is None:
        monkeypatch.delenv("LINDSL_TUNE_CA_H_BF16", raising=False)
    else:
        monkeypatch.setenv("LINDSL_TUNE_CA_H_BF16", knob)
    op = lindsl.load("gated_deltanet")
    states = []
    scan = op.module._scan

    def spy(*a, **kw):
        out = scan(*a, **kw)
        if kw.get("low_h"):
            states.append(out[3])
        return out
    monkeypatch.setitem(op.module.__dict__, "_scan", spy)
    args = random_inputs(op.spec, 1, 40, 2, default_sizes(op.spec, K=16, V=16, M=2), dtype=torch.bfloat16)
    xs = {n: x.requires_grad_(True) for n, x in args.items()}
    out, _ = op(**xs, backend="triton")
    out.float().sum().backward()
    assert len(states) == 1 and states[0].dtype == dtype


@pytest.mark.parametrize("name,keep,scans", [("deltanet", "1", 1), ("deltanet", "0", 2), ("gated_deltanet", "1", 2)])
def test_chunk_adjoint_keeps_the_forward_states_without_gates(name, keep, scans, monkeypatch):
    """With LINDSL_TUNE_CHUNK_ADJOINT=1, LINDSL_TUNE_CA_KEEP_STATES=1 and no gate the forward's chunk states and
    pseudo-values are the backward's rescan's (the same products), so the backward runs no state pass of its own
    (DeltaNet: one scan in all; two without the knob); a gate needs the rescan's exact ones (Gated DeltaNet: two)."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", "1")
    monkeypatch.setenv("LINDSL_TUNE_CA_KEEP_STATES", keep)
    op = lindsl.load(name)
    calls = []
    scan = op.module._scan
    monkeypatch.setitem(op.module.__dict__, "_scan", lambda *a, **kw: calls.append(1) or scan(*a, **kw))
    args = random_inputs(op.spec, 1, 40, 2, default_sizes(op.spec, K=16, V=16, M=2), dtype=torch.float32)
    xs = {n: x.clone().requires_grad_(True) for n, x in args.items()}
    out, _ = op(**xs, chunk_size=16, backend="triton")
    out.sum().backward()
    assert len(calls) == scans and all(x.grad is not None for x in xs.values())


def _triton_fp32_and_engine_fp64(op, seed, dims=16):
    """{backend: (output, {input: gradient})} in fp64 of op on random inputs (1 x 40 tokens x 2 heads, K = V = dims,
    chunks of 16) through the Triton engine in fp32 and the PyTorch engine in fp64, under one weighted loss."""
    from lindsl.check import default_sizes, random_inputs
    args = random_inputs(op.spec, 1, 40, 2, default_sizes(op.spec, K=dims, V=dims, M=2), dtype=torch.float64,
                         seed=seed)
    res = {}
    for backend, dtype in (("torch", torch.float64), ("triton", torch.float32)):
        xs = {n: x.detach().to(dtype).requires_grad_(True) for n, x in args.items()}
        out, _ = op(**xs, chunk_size=16, backend=backend)
        (out.double() * torch.linspace(-1, 1, out.numel(), dtype=torch.float64).reshape(out.shape)).sum().backward()
        res[backend] = (out.double(), {n: x.grad.double() for n, x in xs.items()})
    return res


@pytest.mark.parametrize("name,forced,chunked", [("gated_deltanet", None, True), ("mom_gated_deltanet", None, True),
                                                 ("deltanet", None, True), ("rwkv7", None, True), ("kda", None, False),
                                                 ("gated_deltanet", "0", False), ("deltanet", "0", False),
                                                 ("rwkv7", "0", False)])
def test_chunk_level_adjoint_by_default_where_measured_faster(name, forced, chunked, monkeypatch):
    """On the Triton engine the backward of a rank-one spec with no or a scalar key gate (DeltaNet, Gated DeltaNet,
    MoM), or a per-dimension one without the delta rule's fold (RWKV-7), is the chunk-level adjoint
    (chunk_adjoint_triton) by default; with a per-dimension gate and the fold (KDA) the rescan's;
    LINDSL_TUNE_CHUNK_ADJOINT=0 / 1 forces either. fp32 gradients equal the fp64 engine's."""
    import lindsl
    if forced is None:
        monkeypatch.delenv("LINDSL_TUNE_CHUNK_ADJOINT", raising=False)
    else:
        monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", forced)
    op = lindsl.load(name)
    calls = []
    adjoint = op.module.chunk_adjoint_triton
    monkeypatch.setitem(op.module.__dict__, "chunk_adjoint_triton",
                        lambda *a, **kw: calls.append(1) or adjoint(*a, **kw))
    res = _triton_fp32_and_engine_fp64(op, seed=2)
    assert bool(calls) == chunked
    for n, want in res["torch"][1].items():
        assert rel_err(res["triton"][1][n], want) < 1e-4, n


@pytest.mark.parametrize("name", ["gated_deltanet", "deltanet"])
def test_chunk_adjoint_bf16_intermediates_give_the_same_gradients(name, monkeypatch):
    """bf16 inputs: the chunk-level adjoint stores du, dW and du V^T in bf16 (_low_intermediates) and the forward
    keeps (I - M)^-1 in bf16 (_tinv_dtype), which only bf16 products take, so every gradient is bit-identical to
    storing them in fp32 (LINDSL_TUNE_CA_LOW_MID=0). The WY backward's bf16 products forced (below K = 64 they are
    tf32 by default); du stored by the pass (CA_DU_FROM_DV=0: by default the fold's du is made from dv's part).
    K = V = 64 on the GPU: at 16, Triton 3.6's Hopper dot reads outside its shared memory in the WY backward's bf16
    products (compute-sanitizer, session 69), which is why _wy_backward_prec keeps them tf32 there."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", "1")
    monkeypatch.setenv("LINDSL_TUNE_WYB_PREC", "bf16")
    monkeypatch.setenv("LINDSL_TUNE_CA_DU_FROM_DV", "0")
    op = lindsl.load(name)
    seen = []
    wy_backward = op.module.chunk_wy_backward_triton
    monkeypatch.setitem(op.module.__dict__, "chunk_wy_backward_triton",
                        lambda *a, **kw: seen.append((a[7].dtype, kw["tinv"].dtype)) or wy_backward(*a, **kw))
    D = 64 if TRITON_GPU else 16
    args = random_inputs(op.spec, 1, 70, 2, default_sizes(op.spec, K=D, V=D, M=2), gate_scale=3.0, seed=4)

    def grads(low):
        monkeypatch.setenv("LINDSL_TUNE_CA_LOW_MID", low)
        xs = {n: x.detach().to(DEVICE, torch.bfloat16).requires_grad_(True) for n, x in args.items()}
        out, _ = op(**xs, chunk_size=16, backend="triton")
        (out.float() * torch.linspace(-1, 1, out.numel(), device=DEVICE).reshape(out.shape)).sum().backward()
        return {n: x.grad for n, x in xs.items()}
    wide, low = grads("0"), grads("1")
    assert seen == [(torch.float32,) * 2, (torch.bfloat16,) * 2]
    for n in wide:
        assert torch.equal(wide[n], low[n]), n


@pytest.mark.parametrize("K,prec", [(16, "tf32"), (64, "bf16")])
def test_wy_backward_in_bf16_from_k_64(K, prec, monkeypatch):
    """bf16 inputs: the chunk-level adjoint's WY backward multiplies in bf16 from K = 64 on and in tf32 below, where
    bf16 put Gated DeltaNet's dk at 4.4e-2 of fp64 on the H200 (K = 16; session 43)."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    monkeypatch.delenv("LINDSL_TUNE_WYB_PREC", raising=False)
    op = lindsl.load("gated_deltanet")
    seen = []
    wy_backward = op.module.chunk_wy_backward_triton
    monkeypatch.setitem(op.module.__dict__, "chunk_wy_backward_triton",
                        lambda *a, **kw: seen.append(a[13]) or wy_backward(*a, **kw))
    args = random_inputs(op.spec, 1, 20, 1, default_sizes(op.spec, K=K, V=16, M=2), seed=4)
    xs = {n: x.detach().to(torch.bfloat16).requires_grad_(True) for n, x in args.items()}
    out, _ = op(**xs, chunk_size=16, backend="triton")
    out.float().sum().backward()
    assert seen == [prec]


@pytest.mark.parametrize("name,dtype", [("gated_deltanet", torch.float32), ("gated_deltanet", torch.bfloat16),
                                        ("kda", torch.float32)])
def test_a_second_backward_solves_the_wy_system_again(name, dtype):
    """The backward lets go of the forward's WY rows once its rescan has read them (memory; the chunk-level adjoint,
    Gated DeltaNet's, after taking W and T; the token-level one, KDA's): a second backward through the same graph
    (retain_graph) solves the system again and gives the first one's gradients."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    op = lindsl.load(name)
    args = random_inputs(op.spec, 1, 40, 2, default_sizes(op.spec, K=16, V=16, M=2), gate_scale=3.0, seed=6)
    xs = {n: x.detach().to(dtype).requires_grad_(True) for n, x in args.items()}
    out, _ = op(**xs, chunk_size=16, backend="triton")
    loss = (out.float() * torch.linspace(-1, 1, out.numel()).reshape(out.shape)).sum()
    first = torch.autograd.grad(loss, list(xs.values()), retain_graph=True)
    second = torch.autograd.grad(loss, list(xs.values()))
    for n, d1, d2 in zip(xs, first, second):
        assert rel_err(d2.double(), d1.double()) < (1e-5 if dtype == torch.float32 else 1e-2), n


@pytest.mark.parametrize("name,dtype", [("gated_deltanet", torch.bfloat16), ("deltanet", torch.float32),
                                        ("mom_gated_deltanet", torch.bfloat16), ("kda", torch.float32)])
def test_wy_keep_0_makes_w_and_u0_again_from_t(name, dtype, monkeypatch):
    """LINDSL_TUNE_WY_KEEP=0: the forward keeps (I - M)^-1 alone (fp32) and lets go of W and U0, which the backward's
    rescan makes again from it (_prep_kblock_kernel's LOAD_T): every gradient bit-identical to the default's, and
    the forward's WY list holds no W after the call. KDA (the token-level backward): the forward keeps no WY list
    and the rescan solves the system again, with the same gradients."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    op = lindsl.load(name)
    args = random_inputs(op.spec, 1, 40, 2, default_sizes(op.spec, K=16, V=16, M=2), gate_scale=3.0, seed=7)
    kept = []
    scan = op.module.chunk_scan_triton

    first = []

    def spy(*a, **kw):
        got = scan(*a, **kw)
        if kw.get("wy_inverse"):
            kept.append(kw["wy"][1])
        elif name == "kda" and not first:  # the forward's scan: its WY list, or None
            kept.append(kw.get("wy"))
        first.append(1)
        return got
    monkeypatch.setitem(op.module.__dict__, "chunk_scan_triton", spy)

    def grads(keep):
        monkeypatch.setenv("LINDSL_TUNE_WY_KEEP", keep)
        first.clear()
        xs = {n: x.detach().to(dtype).requires_grad_(True) for n, x in args.items()}
        out, _ = op(**xs, chunk_size=16, backend="triton")
        (out.float() * torch.linspace(-1, 1, out.numel()).reshape(out.shape)).sum().backward()
        return {n: x.grad for n, x in xs.items()}
    default, again = grads("1"), grads("0")
    assert kept[0] is not None and kept[1] is None
    for n in default:
        assert torch.equal(default[n], again[n]), n


def test_chunk_level_adjoint_by_default_only_where_measured(monkeypatch):
    """The default takes the chunk-level adjoint on the Triton engine up to K = V = 128 (where session 41 measured
    it), not on the torch engine nor past 128; LINDSL_TUNE_CHUNK_ADJOINT forces either way at any size."""
    import lindsl
    on = lindsl.load("gated_deltanet").module._chunk_adjoint_on
    monkeypatch.delenv("LINDSL_TUNE_CHUNK_ADJOINT", raising=False)
    assert on("triton", True, 128, 128) and on("triton", True, 64, 32)
    assert not on("triton", True, 256, 128) and not on("triton", True, 128, 256)
    assert not on("torch", True, 64, 64) and not on("triton", False, 64, 64)
    monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", "1")
    assert on("torch", False, 256, 256)
    monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", "0")
    assert not on("triton", True, 64, 64)


@pytest.mark.parametrize("name,fold", [("deltanet", "0"), ("deltanet", "1"), ("gated_deltanet", "1"),
                                       ("gated_deltanet", "0"), ("mom_gated_deltanet", "1")])
def test_wy_system_in_key_and_value_blocks(name, fold, monkeypatch):
    """LINDSL_TUNE_WY_KBLOCK=16 at K = V = 32: the WY kernel accumulates the pair products over two key blocks and
    makes W and U0 per block (_prep_kblock_kernel), with M from the one product a k^T under the delta rule's fold
    (the default; DeltaNet: s = 1, Gated DeltaNet: s per token) or (WY_FOLD=0) from b's tile; the forward and every
    gradient (fp32, interpreter) equal the fp64 engine's."""
    import lindsl
    monkeypatch.setenv("LINDSL_TUNE_WY_KBLOCK", "16")
    monkeypatch.setenv("LINDSL_TUNE_WY_FOLD", fold)
    op = lindsl.load(name)
    res = _triton_fp32_and_engine_fp64(op, seed=5, dims=32)
    assert rel_err(res["triton"][0], res["torch"][0]) < 1e-4
    for n, want in res["torch"][1].items():
        assert rel_err(res["triton"][1][n], want) < 1e-4, n


@pytest.mark.parametrize("name", ["gated_deltanet", "mamba2", "deltanet"])
def test_gradients_through_the_final_state_alone(name):
    """A loss of the final state alone (no cotangent for the output): the core's backward makes the output's zero
    cotangent from the shape and dtype it kept (it no longer saves the output), on the Triton kernels (interpreter,
    fp32) as on the PyTorch engine (fp64)."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    op = lindsl.load(name)
    args = random_inputs(op.spec, 1, 40, 2, default_sizes(op.spec, K=16, V=16, M=2), gate_scale=3.0, seed=8)
    res = {}
    for backend, dtype in (("torch", torch.float64), ("triton", torch.float32)):
        xs = {n: x.detach().to(dtype).requires_grad_(True) for n, x in args.items()}
        _, final = op(**xs, chunk_size=16, backend=backend, output_final_state=True)
        loss = (final * torch.linspace(-1, 1, final.numel(), dtype=dtype).reshape(final.shape)).sum()
        res[backend] = dict(zip(xs, torch.autograd.grad(loss, list(xs.values()), allow_unused=True)))
    for n, want in res["torch"].items():
        if want is not None:
            assert rel_err(res["triton"][n].double(), want) < 1e-4, n


@pytest.mark.parametrize("name", ["mamba2", "gla", "rwkv6", "deltanet", "gated_deltanet"])
def test_an_unused_final_state_gives_the_gradients_of_a_zero_cotangent(name):
    """The core keeps an unused final state's cotangent None (no materialized zeros; the gate gradient's final-state
    term and the adjoint's initial state left out: _gate_grad_kernel's HAS_FIN, the chunk-level adjoint pass's
    HAS_DST): the output's loss alone gives the same gradients as with the final state's explicit zero cotangent,
    on the Triton kernels (interpreter, fp32)."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    op = lindsl.load(name)
    args = random_inputs(op.spec, 1, 40, 2, default_sizes(op.spec, K=16, V=16, M=2), gate_scale=3.0, seed=9)
    res = []
    for with_final in (False, True):
        xs = {n: x.detach().float().requires_grad_(True) for n, x in args.items()}
        o, final = op(**xs, chunk_size=16, backend="triton", output_final_state=True)
        w = torch.linspace(-1, 1, o.numel()).reshape(o.shape)
        loss = (o * w).sum() + ((final * 0.0).sum() if with_final else 0.0)
        res.append(dict(zip(xs, torch.autograd.grad(loss, list(xs.values()), allow_unused=True))))
    for n, want in res[1].items():
        if want is not None:
            assert rel_err(res[0][n], want) < 1e-6, n


@pytest.mark.parametrize("heads,D,weighted,with_fin,pair", [(1, 1, True, True, False), (1, 1, False, True, True),
                                                            (1, 1, False, False, False), (2, 1, True, False, True),
                                                            (1, 3, True, True, False), (2, 3, False, True, True)])
def test_gate_grad_kernel_against_its_sums(heads, D, weighted, with_fin, pair):
    """gate_grad_triton (interpreter, fp32) against the sums it stands for: per chunk of C tokens the gauge terms
    summed from each token to the chunk's end, the final state's term at the last token, and for every chunk but the
    last the boundary term P (times a constant with pair), times e^{gk at the next chunk's first token} or (gk None)
    alone; T not a multiple of C, rows or the token layout of heads, scalar (D = 1) or per-dimension terms, the terms
    given whole or (pair) as two tensors the kernel adds."""
    from lindsl.runtime.triton_engine import gate_grad_triton
    gen = torch.Generator().manual_seed(4)
    B, T, C = 2, 37, 16
    NC = -(-T // C)
    lay = (B, T, heads, D) if heads > 1 else (B * heads, T, D)
    dG = torch.randn(lay, generator=gen)
    gk = -torch.rand(lay, generator=gen)
    P = torch.randn(B * heads, NC - 1, D, generator=gen)
    fin = torch.randn(B * heads, D, generator=gen) if with_fin else None
    p_scale = 0.5 if pair else None
    split = torch.randn(lay, generator=gen)
    got = gate_grad_triton((dG - split, split) if pair else dG, fin, P, gk if weighted else None, C, heads=heads,
                           p_scale=p_scale)
    P = P * (p_scale or 1.0)
    rows = (lambda x: x.transpose(1, 2).reshape(B * heads, T, D)) if heads > 1 else (lambda x: x)
    x, g = rows(dG).clone(), rows(gk)
    if with_fin:
        x[:, T - 1] += fin
    want = torch.zeros_like(x)
    for c in range(NC):
        t0, t1 = c * C, min(T, (c + 1) * C)
        want[:, t0:t1] = x[:, t0:t1].flip(1).cumsum(1).flip(1)
        if c < NC - 1:
            want[:, t0:t1] += (P[:, c] * (g[:, t1].exp() if weighted else 1.0))[:, None]
    assert rel_err(rows(got), want) < 1e-6


@pytest.mark.parametrize("heads,sum_d,n_terms,with_acc", [(1, False, 1, False), (1, True, 3, True),
                                                          (2, False, 5, True), (2, True, 6, False)])
def test_gauge_sum_kernel_against_its_products(heads, sum_d, n_terms, with_acc):
    """gauge_sum_triton (interpreter) against the glue's sum it replaces: acc plus sign * vec * res per term, a
    shifted term's product taken from the next token (zero at the last), summed over D for a scalar gate; more than
    four terms in two launches; each term's res returned as it is or cast (to fp64 in the kernel, to bf16 by torch
    on the CPU), rows or the token layout of heads."""
    from lindsl.runtime.engine import shift_next
    from lindsl.runtime.triton_engine import gauge_sum_triton
    gen = torch.Generator().manual_seed(5)
    lay = (2, 37, heads, 6) if heads > 1 else (2, 37, 6)
    terms = [((-1) ** i, torch.randn(lay, generator=gen).to(torch.bfloat16 if i % 2 else torch.float32),
              torch.randn(lay, generator=gen), i % 3 == 1, [None, torch.float64, torch.bfloat16][i % 3])
             for i in range(n_terms)]
    acc = torch.randn(lay[:-1] if sum_d else lay, generator=gen) if with_acc else None
    got, results = gauge_sum_triton(terms, acc, heads, sum_d)
    want = torch.zeros(lay, dtype=torch.float64)
    for sign, v, r, shift, _ in terms:
        p = v.double() * r.double()
        want += sign * (shift_next(p) if shift else p)
    want = want.sum(-1) if sum_d else want
    want = want + acc.double() if with_acc else want
    assert got.dtype == torch.float32 and rel_err(got.double(), want) < 1e-6
    for (_, _, r, _, cast), res in zip(terms, results):
        assert res.dtype == (cast or r.dtype) and torch.equal(res, r if cast is None else r.to(cast))


@pytest.mark.parametrize("heads,n_terms,with_acc,with_fin", [(1, 1, False, True), (2, 4, True, False),
                                                               (1, 3, True, True)])
def test_gauge_gate_grad_kernel_against_two_passes(heads, n_terms, with_acc, with_fin):
    """gauge_gate_grad_triton (interpreter): the gate gradient with the gauge terms summed in its own kernel equals
    gauge_sum_triton's sum fed to gate_grad_triton (T not a multiple of C, shifted terms across chunk edges, the
    token layout of heads), and returns each term's res as gauge_sum_triton does."""
    from lindsl.runtime.triton_engine import gate_grad_triton, gauge_gate_grad_triton, gauge_sum_triton
    gen = torch.Generator().manual_seed(6)
    B, T, C, D = 2, 37, 16, 6
    NC = -(-T // C)
    lay = (B, T, heads, D) if heads > 1 else (B, T, D)
    terms = [((-1) ** i, torch.randn(lay, generator=gen).to(torch.bfloat16 if i % 2 else torch.float32),
              torch.randn(lay, generator=gen), i % 2 == 0, [None, torch.float64, torch.bfloat16][i % 3])
             for i in range(n_terms)]
    acc = torch.randn(lay, generator=gen) if with_acc else None
    gk = -torch.rand(lay, generator=gen)
    P = torch.randn(B * heads, NC - 1, D, generator=gen)
    fin = torch.randn(B * heads, D, generator=gen) if with_fin else None
    got, results = gauge_gate_grad_triton(terms, acc, fin, P, gk, C, heads)
    dG, want_results = gauge_sum_triton(terms, acc, heads)
    want = gate_grad_triton(dG, fin, P, gk, C, heads)
    assert got.dtype == torch.float32 and rel_err(got, want) < 1e-6
    for res, want_res in zip(results, want_results, strict=True):
        assert res.dtype == want_res.dtype and torch.equal(res, want_res)


@pytest.mark.parametrize("name,knob", [("gla", "GATED_GAUGE"), ("mamba2", "GAUGE_IN_READS"), ("rwkv7", None)])
def test_gauge_kernel_gradients_equal_the_glue(name, knob, monkeypatch):
    """The backward's gauge terms summed by gauge_sum_triton (LINDSL_TUNE_GAUGE_KERNEL=1), the last of a
    per-dimension gate's by the gate gradient's kernel (gauge_gate_grad_triton, LINDSL_TUNE_GAUGE_IN_GATE_GRAD=1)
    or by a pass of their own (=0), give the gradients the glue's products give (GAUGE_KERNEL=0), in the
    interpreter, per-dimension (GLA, RWKV-7 with its shifted rank-one term) and scalar gates (Mamba-2: never folded);
    GLA and Mamba-2 with their reads' own gauge terms off, which would take them otherwise; RWKV-7 through the
    rescan (its default backward is the chunk-level adjoint, whose gate gradient is one gauge_gate_grad_triton)."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    if knob:
        monkeypatch.setenv(f"LINDSL_TUNE_{knob}", "0")
    else:
        monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", "0")
    op = lindsl.load(name)
    args = random_inputs(op.spec, 1, 40, 2, default_sizes(op.spec, K=16, V=16, M=2), gate_scale=3.0, seed=9)
    calls = {"sum": 0, "fold": 0}
    for fn, key in (("gauge_sum_triton", "sum"), ("gauge_gate_grad_triton", "fold")):
        monkeypatch.setattr(op.module, fn, lambda *a, _f=getattr(op.module, fn), _k=key: calls.__setitem__(
            _k, calls[_k] + 1) or _f(*a))
    scalar = name == "mamba2"
    res = []
    for kernel, fold, want_calls in (("1", "1", {"sum": 2} if scalar else {"sum": 1, "fold": 1}),
                                     ("1", "0", {"sum": 2}), ("0", "1", {})):
        monkeypatch.setenv("LINDSL_TUNE_GAUGE_KERNEL", kernel)
        monkeypatch.setenv("LINDSL_TUNE_GAUGE_IN_GATE_GRAD", fold)
        calls.update(sum=0, fold=0)
        xs = {n: x.detach().float().requires_grad_(True) for n, x in args.items()}
        o, final = op(**xs, chunk_size=16, backend="triton", output_final_state=True)
        w = torch.linspace(-1, 1, o.numel()).reshape(o.shape)
        loss = (o * w).sum() + (final * final).sum()
        res.append(dict(zip(xs, torch.autograd.grad(loss, list(xs.values()), allow_unused=True))))
        assert calls == {"sum": 0, "fold": 0, **want_calls}, (kernel, fold, calls)
    for got in res[:2]:
        for n, want in res[2].items():
            if want is not None:
                assert rel_err(got[n], want) < 1e-6, n


@pytest.mark.parametrize("name", ["deltanet", "gated_deltanet"])
def test_du_made_from_dv_equals_the_stored_du(name, monkeypatch):
    """CA_DU_FROM_DV=1 (the default since session 63): with the delta rule's fold the pass stores no du and the WY backward's two
    kernels make du = -s dv from dv's direct part: fp32 outputs and every gradient as with du stored (the same
    products; -s times a value rounded once more where the reads' scale is not 1), and the pass did return no du."""
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    op = lindsl.load(name)
    args = random_inputs(op.spec, 2, 70, 2, default_sizes(op.spec, K=16, V=16, M=2), gate_scale=3.0, seed=9)
    monkeypatch.setenv("LINDSL_TUNE_CHUNK_ADJOINT", "1")
    pass_fn = op.module.chunk_adjoint_pass_triton
    runs = {}
    for knob in ("0", "1"):
        monkeypatch.setenv("LINDSL_TUNE_CA_DU_FROM_DV", knob)
        stored = []
        monkeypatch.setitem(op.module.__dict__, "chunk_adjoint_pass_triton",
                            lambda *a, **kw: (lambda r: stored.append(r[1] is not None) or r)(pass_fn(*a, **kw)))
        xs = {n: x.detach().clone().to(DEVICE).requires_grad_(True) for n, x in args.items()}
        out, _ = op(**xs, chunk_size=16, backend="triton")
        do = torch.randn(out.shape, generator=torch.Generator().manual_seed(5)).to(DEVICE)
        (out * do).sum().backward()
        runs[knob] = [out.detach()] + [x.grad for x in xs.values()], stored
    (ref, stored_off), (got, stored_on) = runs["0"], runs["1"]
    assert stored_off == [True] and stored_on == [False]
    for x, y in zip(got, ref):
        assert torch.isfinite(x).all() and rel_err(x.double(), y.double()) < 1e-6


@pytest.mark.parametrize("name", ["rwkv7", "gated_deltanet"])
def test_chunk_level_adjoint_makes_the_gate_sums_once(name, monkeypatch):
    """The chunk-level adjoint's backward makes the key gate's sums within chunks (forward time) at most once for
    its rescan, its adjoint and the dx read (session 62's trace: three launches made the same sums), and the
    adjoint reads' reversed sums as before; the gradients equal the fp64 engine's (as the default's test)."""
    import lindsl
    monkeypatch.delenv("LINDSL_TUNE_CHUNK_ADJOINT", raising=False)
    op = lindsl.load(name)
    seen = []
    kernel = op.module._chunk_cumsum_kernel

    class Spy:
        def __getitem__(self, grid):
            def launch(*args, **kwargs):
                seen.append(kwargs["REV"])
                return kernel[grid](*args, **kwargs)
            return launch
    monkeypatch.setitem(op.module.__dict__, "_chunk_cumsum_kernel", Spy())
    res = _triton_fp32_and_engine_fp64(op, seed=3)
    assert seen.count(False) <= 1 and seen.count(True) == 2, seen
    for n, want in res["torch"][1].items():
        assert rel_err(res["triton"][1][n], want) < 1e-4, n


@pytest.mark.parametrize("cum_path", ["kernel", "torch"])
def test_gate_sums_with_chunk_starts_zeroed_equal_a_zeroed_copy(cum_path, monkeypatch):
    """_cum's zero_every (the chunk-level adjoint's reads' gates: each chunk's first token's gate taken as 0) gives
    the sums of a copy with those tokens zeroed, over reversed time, two heads in the token layout, a length past
    whole chunks, in the Triton kernel and the PyTorch path; a scan given reversed sums that are not its own
    (another reversal length) refuses them rather than remaking them from a gate they did not come from."""
    from lindsl.runtime.triton_engine import GateSums, _cum, chunk_scan_triton
    monkeypatch.setenv("LINDSL_TUNE_CUM", cum_path)
    g = -torch.rand(2, 40, 2, 8, generator=torch.Generator().manual_seed(1))
    zeroed = g.clone()
    zeroed[:, 16::16] = 0
    got = _cum(g, 16, 48, 2, False, rev=48, zero_every=16)[0]
    want = _cum(zeroed, 16, 48, 2, False, rev=48)[0]
    assert torch.equal(got, want)
    assert not torch.equal(got, _cum(g, 16, 48, 2, False, rev=48)[0])
    x = torch.randn(2, 40, 2, 8)
    with pytest.raises(ValueError, match="not this scan's"):
        chunk_scan_triton(g, None, None, None, x, x, None, [("k", "after", x)], chunk=16, K=8, V=8, force_chunk=True,
                          heads=2, reversed_reads=True, reversed_gates=True, reversed_sources=True,
                          cum=GateSums(16, got, None, 40))


def test_gate_sums_serve_only_their_own_scan():
    """GateSums.serves: a scan takes handed sums only at their chunk, over their time (forward, or reversed at its
    length), and with the exclusive sums where it needs them."""
    from lindsl.runtime.triton_engine import GateSums
    G = torch.zeros(2, 32)
    inclusive, both, reversed_ = GateSums(16, G), GateSums(16, G, G), GateSums(16, G, None, 32)
    assert inclusive.serves(16, False) and not inclusive.serves(16, True) and not inclusive.serves(32, False)
    assert both.serves(16, True) and both.serves(16, False) and not both.serves(16, False, 32)
    assert reversed_.serves(16, False, 32) and not reversed_.serves(16, False) and not reversed_.serves(16, False, 31)
