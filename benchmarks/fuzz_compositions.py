"""Fuzz the product promise: a new composition of supported primitives compiles and is correct without new code.

Candidates are random compositions of the library specs: 1-4 mutations (lindsl.search.mutate.MUTATIONS) of a
library spec, or a crossover of two (possibly mutated) specs, sometimes with token shifts injected (x -> x + c x[t-n]
on a real per-token input, to exercise prev_inputs). Only candidates that pass the static checks
(lindsl.search.static: causal, linear cost, ||A_t|| <= 1) are run. Each runs, on tiny shapes (B=2, T in
{1, 7, 20, 33}, H=2, K, V in 4..8, M=2):

  chunk     torch chunk engine in fp64 vs the naive step-by-step oracle (lindsl.runtime.naive): outputs, final
            states, the gradient of every input and of the initial state (relative error <= 1e-9; a gradient that
            is zero in exact arithmetic is compared on the scale of the largest gradient, ZERO_FLOOR of it)
  recurrent op.step token by token (state and prev_inputs carried) and op.step over the whole sequence vs the
            chunk form
  state     initial_state: the sequence split in two chunked calls (state and prev_inputs carried) vs one call
  varlen    cu_seqlens (B=1, with a zero-length sequence, one initial state per sequence): outputs, final states
            and gradients vs running each sequence separately (token shifts restart per sequence: zeros before
            each start)
  print     the printer round trip: IR -> .lin -> IR identical (spec_key)
  prove     the sympy proof of the normalized update (lindsl.passes.prove)
  nn        lindsl.nn.LinearAttention from the spec (fp64): prefill + cached decode equals the full forward,
            finite parameter gradients
  triton    (every --triton-th candidate) the Triton kernels under TRITON_INTERPRET=1 in fp32 (forward, final
            state, gradients; and op.step) vs the fp64 torch engine (relative error <= 1e-4 on well-conditioned
            shapes)
  aot       (every --aot-th candidate) every kernel variant of its bf16 forward, backward and decode step, the
            generated rows and step kernels included, compiled for sm_90 on the CPU (benchmarks/aot_check.py in a
            process without the interpreter: ~5 s per candidate with a warm Triton cache)

With --source properties the candidates come from the hypothesis generator of tests/test_properties.py instead
(the algebra written freely: nested/flat products, DPLR factors, normalizer states, inputs inside the transition),
which that test only checks chunk vs naive. With --unstable, candidates rejected only by the stability check run too
(every rwkv7 mutant: its DPLR factor's norm bound is 2).

Speed on one CPU thread: ~0.3 s per candidate for the CPU checks; the Triton interpreter check ~10 s.

Failures are written as JSON lines (one per failing check: candidate id, lineage, check, message, the spec source).

    python benchmarks/fuzz_compositions.py --n 300 --seed 0 --budget 1800 --triton 5 --out fuzz_failures.jsonl

Single-threaded (torch.set_num_threads(1)); the generated modules go to LINDSL_CACHE (default
/tmp/lindsl_fuzz_cache, so the fuzzer does not fill the user cache).
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import random
import sys
import tempfile
import time
import traceback

ZERO_FLOOR = 1e-6   # gradients that cancel to ~0: compared on ZERO_FLOOR x the largest gradient of the call
TOL64 = 1e-9
TOL32 = 1e-4
# a gradient that sums cancelling terms has an fp32 error that grows with their condition (Σ|terms| / |Σ terms|): a
# param's over every token and sequence (44 in session 45's failure), or one that is 0 in exact arithmetic (session
# 48: a top-1 router's, where o is the selected memory's read whatever the softmax). Every gradient's tolerance is
# also this many times the torch engine's own error in fp32 on the same inputs (the conditioning's yardstick;
# session 45's failure: Triton 1.8e-4, torch fp32 1.9e-5; session 48's router: Triton 3e-5 to 1.4e-4 against torch
# fp32's 3e-5 to 7e-5 over eight seeds, on the floor of 1e-3 of the largest gradient)
FP32_SLACK = 20
LIB_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "library")
LIBRARY = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(LIB_DIR, "*.lin")))


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=200, help="candidates to run (that pass the static checks)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--budget", type=float, default=1e9, help="stop after this many seconds")
    p.add_argument("--triton", type=int, default=0, metavar="EVERY",
                   help="run the Triton interpreter check on every EVERY-th candidate (0: never)")
    p.add_argument("--triton-tokens", type=int, default=20, metavar="T",
                   help="the Triton check's sequence length at most (the backward's chunks are 64 tokens: above 64 "
                        "its paths across chunk boundaries, such as the gate gradient's boundary sums, run too)")
    p.add_argument("--out", default="-", help="JSON lines of failures (default stdout)")
    p.add_argument("--aot", type=int, default=0, metavar="EVERY",
                   help="every EVERY-th candidate: its kernels compiled for sm_90 on the CPU (benchmarks/aot_check.py)")
    p.add_argument("--checks", default="chunk,recurrent,state,varlen,print,prove,nn,triton,aot")
    p.add_argument("--shift-prob", type=float, default=0.2, help="probability of injecting token shifts")
    p.add_argument("--unstable", action="store_true",
                   help="also run candidates that fail only the stability check (||A_t|| not shown <= 1: e.g. every "
                        "rwkv7 mutant); the compiled forms must still equal the oracle on short sequences")
    p.add_argument("--source", choices=["mutations", "properties"], default="mutations",
                   help="mutations: library specs mutated and crossed over; properties: the hypothesis generator of "
                        "tests/test_properties.py (needs the test extras)")
    p.add_argument("--only", default=None, help="run one .lin file instead of generating candidates")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args(argv)


ARGS = parse_args() if __name__ == "__main__" else None
if ARGS is not None and ARGS.triton:
    os.environ["TRITON_INTERPRET"] = "1"   # before triton is imported
os.environ.setdefault("LINDSL_CACHE", "/tmp/lindsl_fuzz_cache")

import torch  # noqa: E402

from lindsl import types as T  # noqa: E402
from lindsl.check import random_inputs, rel_err  # noqa: E402
from lindsl.dimexpr import sized  # noqa: E402
from lindsl.errors import LinError  # noqa: E402
from lindsl.frontend import parse_spec  # noqa: E402
from lindsl.frontend.printer import spec_key, to_lin  # noqa: E402
from lindsl.ir import Num, Var  # noqa: E402
from lindsl.runtime.naive import run_naive, state_shape  # noqa: E402
from lindsl.runtime.op import load, spec_from  # noqa: E402
from lindsl.search.mutate import MUTATIONS, NotApplicable, crossover, mutate, replace_vars  # noqa: E402

import aot_check  # noqa: E402  (this folder's)
from lindsl.search.static import static_checks  # noqa: E402


class CheckFailed(Exception):
    pass


# ------------------------------------------------------------------ candidates
def mutate_times(spec, what, rng: random.Random, lo, hi):
    """Apply lo..hi random mutations (those not applicable are skipped), recording each in the lineage what."""
    for _ in range(rng.randint(lo, hi)):
        op = rng.choice(sorted(MUTATIONS))
        try:
            spec, desc = mutate(spec, op, rng)
            what.append(f"{op}: {desc}")
        except NotApplicable:
            continue
    return spec, what


def mutated(rng: random.Random, lo=1, hi=4):
    name = rng.choice(LIBRARY)
    return mutate_times(spec_from(name), [name], rng, lo, hi)


def inject_shifts(spec, rng: random.Random):
    """x -> x + c x[t-n] (n in 1, 2) for one or two real per-token vector inputs, wherever they are read."""
    cands = [d for d in spec.inputs if d.kind == "input" and d.role == "real" and d.ty.dims]
    if not cands:
        raise NotApplicable("no real per-token vector input")
    mapping, what = {}, []
    for d in rng.sample(cands, min(len(cands), rng.randint(1, 2))):
        n, c = rng.choice([1, 2]), rng.choice([0.5, -0.75])
        mapping[d.name] = T.binary("+", Var(d.name, "input", 0, d.ty),
                                   T.binary("*", Num(c), Var(d.name, "input", -n, d.ty)))
        what.append(f"{d.name} -> {d.name} + {c} {d.name}[t-{n}]")
    spec.lets = [(nm, replace_vars(e, mapping)) for nm, e in spec.lets]
    spec.updates = {k: replace_vars(e, mapping) for k, e in spec.updates.items()}
    spec.outputs = [(nm, replace_vars(e, mapping)) for nm, e in spec.outputs]
    try:
        return parse_spec(to_lin(spec), "<shifted>"), "shift " + ", ".join(what)
    except LinError as e:
        raise NotApplicable(f"shift does not type-check: {e.message}") from None


def candidates(rng: random.Random, stats: dict):
    """Endless stream of (spec, lineage) passing the static checks, with distinct spec keys."""
    seen = set()
    while True:
        stats["drawn"] += 1
        try:
            if rng.random() < 0.25:
                a, wa = mutated(rng, 0, 2)
                b, wb = mutated(rng, 0, 2)
                spec, desc = crossover(a, b, rng)
                spec, what = mutate_times(spec, wa + ["x"] + wb + [f"crossover: {desc}"], rng, 0, 2)
            else:
                spec, what = mutated(rng)
                if len(what) == 1:
                    stats["no_mutation"] += 1
                    continue
            if rng.random() < ARGS_shift_prob:
                spec, desc = inject_shifts(spec, rng)
                what.append(desc)
        except NotApplicable as e:
            stats["not_applicable"] += 1
            continue
        except Exception as e:  # noqa: BLE001 - a crash of a mutation operator is a finding
            yield None, ["generation crash", f"{type(e).__name__}: {e}", traceback.format_exc(limit=6)]
            continue
        key = to_lin(spec).split("\n", 1)[1]  # the spec without its name
        if key in seen:
            stats["duplicate"] += 1
            continue
        seen.add(key)
        if _rejected(spec, stats):
            continue
        yield spec, what


def _rejected(spec, stats: dict) -> bool:
    """Whether the static checks reject spec (stability ignored with --unstable); counts the first reason."""
    res, _ = static_checks(spec)
    bad = [c for c in res if not c.ok and not (ARGS_unstable and c.name == "stability")]
    if bad:
        stats["static_reject"] += 1
        stats.setdefault("static_reasons", {}).setdefault(bad[0].name, 0)
        stats["static_reasons"][bad[0].name] += 1
    return bool(bad)


def property_specs(n: int, seed: int, stats: dict):
    """Specs from the hypothesis generator of tests/test_properties.py (lin_specs: the documented algebra written
    freely, beyond what the mutation operators produce), drawn deterministically from seed."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hseed
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
    from test_properties import lin_specs
    texts: list[str] = []

    @hseed(seed)
    @settings(max_examples=n, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(lin_specs())
    def draw(text):
        texts.append(text)
    draw()
    for j, text in enumerate(texts):
        stats["drawn"] += 1
        try:
            spec = parse_spec(text.replace("lin prop", f"lin prop{j}", 1), "<properties>")
        except LinError as e:  # the generator's specs are meant to be valid
            yield None, ["properties spec rejected by the parser", e.message, text]
            continue
        if _rejected(spec, stats):
            continue
        yield spec, [f"tests/test_properties.py lin_specs #{j}"]


ARGS_shift_prob = 0.2
ARGS_unstable = False


# ------------------------------------------------------------------ helpers
def tup(x):
    return x if isinstance(x, tuple) else (x,)


def one(xs):
    return xs[0] if len(xs) == 1 else tuple(xs)


def tok(spec, args, a, b):
    return {k: (x[:, a:b] if spec.input(k).kind == "input" else x) for k, x in args.items()}


def init_states(spec, N, H, sizes, dtype, gen):
    return tuple(torch.randn(state_shape(st, N, H, sizes), generator=gen, dtype=torch.float64).to(dtype)
                 for st in spec.states)


def compare_all(label, got, ref, tol, floor=1e-30):
    """[(name, err)] over pairs; raise CheckFailed listing every pair over tol."""
    rows, bad = [], []
    for (n, a), b in zip(got, ref):
        if a is None and b is None:
            continue
        if a is None or b is None:
            err = math.inf
        elif a.shape != b.shape:
            raise CheckFailed(f"{label}: {n} shape {list(a.shape)} != {list(b.shape)}")
        else:
            err = rel_err(a, b, floor)
        rows.append((n, err))
        if not (math.isfinite(err) and err <= tol):
            bad.append(f"{n} {err:.2e}")
    if bad:
        raise CheckFailed(f"{label}: rel err > {tol:g}: " + ", ".join(bad))
    return rows


def grads(loss, leaves):
    return torch.autograd.grad(loss, leaves, allow_unused=True)


def grad_floor(gs):
    scale = max((float(g.detach().abs().max()) for g in gs if g is not None and g.numel()), default=0.0)
    return max(ZERO_FLOOR * scale, 1e-30)


# ------------------------------------------------------------------ checks
def check_print(spec, **_):
    text = to_lin(spec)
    back = parse_spec(text, "<roundtrip>")
    if spec_key(back) != spec_key(spec):
        raise CheckFailed("IR -> .lin -> IR differs")
    if to_lin(back) != text:
        raise CheckFailed("printing is not idempotent")


def check_chunk(spec, op, shape, rng):
    B, Tn, H, sizes, gs = shape
    chunk = rng.choice([3, 4, 8, 16, 64])
    args = random_inputs(spec, B, Tn, H, sizes, torch.float64, gs, seed=rng.randrange(1 << 30))
    for a in args.values():
        a.requires_grad_(True)
    gen = torch.Generator().manual_seed(rng.randrange(1 << 30))
    h0 = tuple(h.requires_grad_(True) for h in init_states(spec, B, H, sizes, torch.float64, gen))
    out, fin = op(*args.values(), initial_state=one(h0), output_final_state=True, chunk_size=chunk, backend="torch")
    outs, fins = tup(out), tup(fin)
    ref_outs, ref_fins = run_naive(spec, args, initial_state=h0, output_final_state=True)
    compare_all(f"chunk (T={Tn}, chunk {chunk}) forward",
                [(f"out:{n}", a) for (n, _), a in zip(spec.outputs, outs)]
                + [(f"final:{s.name}", a) for s, a in zip(spec.states, fins)], list(ref_outs) + list(ref_fins), TOL64)
    ws = [torch.randn(o.shape, generator=gen, dtype=torch.float64) for o in outs + fins]
    leaves = list(args.values()) + list(h0)
    names = [f"d{n}" for n in args] + [f"dh0:{s.name}" for s in spec.states]
    g1 = grads(sum((o * w).sum() for o, w in zip(outs + fins, ws)), leaves)
    g2 = grads(sum((o * w).sum() for o, w in zip(tuple(ref_outs) + tuple(ref_fins), ws)), leaves)
    compare_all(f"chunk (T={Tn}, chunk {chunk}) gradients", list(zip(names, g1)), g2, TOL64, grad_floor(g2))


def check_recurrent(spec, op, shape, rng):
    B, Tn, H, sizes, gs = shape
    args = random_inputs(spec, B, Tn, H, sizes, torch.float64, gs, seed=rng.randrange(1 << 30))
    gen = torch.Generator().manual_seed(rng.randrange(1 << 30))
    h0 = init_states(spec, B, H, sizes, torch.float64, gen)
    with torch.no_grad():
        full, fin = op(*args.values(), initial_state=one(h0), output_final_state=True, chunk_size=8, backend="torch")
        whole, wfin = op.step(*args.values(), initial_state=one(h0), output_final_state=True, backend="torch")
        names = [f"out:{n}" for n, _ in spec.outputs] + [f"final:{s.name}" for s in spec.states]
        ref = list(tup(full)) + list(tup(fin))
        compare_all("op.step over the whole sequence vs chunk", list(zip(names, list(tup(whole)) + list(tup(wfin)))),
                    ref, TOL64)
        state, prev, outs = one(h0), None, []
        for t in range(Tn):
            o, state, prev = op.step(*tok(spec, args, t, t + 1).values(), initial_state=state, prev_inputs=prev,
                                     output_final_state=True, output_prev_inputs=True, backend="torch")
            outs.append(tup(o))
        got = [torch.cat([o[i] for o in outs], 1) for i in range(len(spec.outputs))] + list(tup(state))
        compare_all("op.step token by token vs chunk", list(zip(names, got)), ref, TOL64)


def check_state(spec, op, shape, rng):
    """Two chunked calls (state and prev_inputs carried) vs one call, forward and gradients."""
    B, Tn, H, sizes, gs = shape
    if Tn < 2:
        return
    cut = rng.randint(1, Tn - 1)
    args = random_inputs(spec, B, Tn, H, sizes, torch.float64, gs, seed=rng.randrange(1 << 30))
    for a in args.values():
        a.requires_grad_(True)
    gen = torch.Generator().manual_seed(rng.randrange(1 << 30))
    h0 = tuple(h.requires_grad_(True) for h in init_states(spec, B, H, sizes, torch.float64, gen))
    full, fin = op(*args.values(), initial_state=one(h0), output_final_state=True, chunk_size=8, backend="torch")
    o1, s1, p1 = op(*tok(spec, args, 0, cut).values(), initial_state=one(h0), output_final_state=True, chunk_size=8,
                    backend="torch", output_prev_inputs=True)
    o2, s2 = op(*tok(spec, args, cut, Tn).values(), initial_state=s1, prev_inputs=p1, output_final_state=True,
                chunk_size=8, backend="torch")
    got = [torch.cat([a, b], 1) for a, b in zip(tup(o1), tup(o2))] + list(tup(s2))
    _compare_with_grads(f"split at {cut} vs one call", spec, args, h0, got, list(tup(full)) + list(tup(fin)), gen)


def check_varlen(spec, op, shape, rng):
    B, Tn, H, sizes, gs = shape
    Tt = max(Tn, 3)
    a, b = sorted(rng.sample(range(1, Tt), 2))
    cu_l = [0, a, a, b, Tt]  # three sequences and a zero-length one
    cu = torch.tensor(cu_l)
    N = len(cu_l) - 1
    args = random_inputs(spec, 1, Tt, H, sizes, torch.float64, gs, seed=rng.randrange(1 << 30))
    for x in args.values():
        x.requires_grad_(True)
    gen = torch.Generator().manual_seed(rng.randrange(1 << 30))
    h0 = tuple(h.requires_grad_(True) for h in init_states(spec, N, H, sizes, torch.float64, gen))
    o, f = op(*args.values(), initial_state=one(h0), output_final_state=True, cu_seqlens=cu, chunk_size=8,
              backend="torch")
    outs, fins = tup(o), tup(f)
    pieces_o, pieces_f = [[] for _ in outs], [[] for _ in fins]
    for i, (lo, hi) in enumerate(zip(cu_l[:-1], cu_l[1:])):
        if hi == lo:
            for j, h in enumerate(h0):
                pieces_f[j].append(h[i:i + 1])
            continue
        hi0 = tuple(h[i:i + 1] for h in h0)
        o2, f2 = op(*tok(spec, args, lo, hi).values(), initial_state=one(hi0), output_final_state=True, chunk_size=8,
                    backend="torch")
        for j, x in enumerate(tup(o2)):
            pieces_o[j].append(x)
        for j, x in enumerate(tup(f2)):
            pieces_f[j].append(x)
    ref = [torch.cat(p, 1) for p in pieces_o] + [torch.cat(p, 0) for p in pieces_f]
    _compare_with_grads(f"varlen {cu_l} vs separate calls", spec, args, h0, list(outs) + list(fins), ref, gen)


def _compare_with_grads(label, spec, args, h0, got, ref, gen):
    """got == ref (outputs then final states, fp64) and so are the gradients of one random projection of them with
    respect to the inputs and initial states."""
    names = [f"out:{n}" for n, _ in spec.outputs] + [f"final:{s.name}" for s in spec.states]
    compare_all(label, list(zip(names, got)), ref, TOL64)
    ws = [torch.randn(x.shape, generator=gen, dtype=torch.float64) for x in ref]
    leaves = list(args.values()) + list(h0)
    gn = [f"d{n}" for n in args] + [f"dh0:{s.name}" for s in spec.states]
    g1 = grads(sum((x * w).sum() for x, w in zip(got, ws)), leaves)
    g2 = grads(sum((x * w).sum() for x, w in zip(ref, ws)), leaves)
    compare_all(f"{label}, gradients", list(zip(gn, g1)), g2, TOL64, grad_floor(g2))


def compare_each(label, names, got, ref, tols):
    """compare_all for each output on its own tolerance (_fp32_vs_fp64's)."""
    for name, x, r, tol in zip(names, got, ref, tols):
        compare_all(label, [(name, x)], [r], tol)


def _run(op, args, h0, dtype, backend, chunk=16, **kw):
    """The op on copies of args and h0 in dtype that require gradients (the torch engine in chunks of chunk): its
    outputs and final states as one list, and the copies (the gradients' leaves)."""
    a = [x.detach().to(dtype, copy=True).requires_grad_(True) for x in args.values()]
    h = tuple(x.detach().to(dtype, copy=True).requires_grad_(True) for x in h0)
    o, f = op(*a, initial_state=one(h), output_final_state=True, backend=backend,
              **({"chunk_size": chunk} if backend == "torch" else {}), **kw)
    return list(tup(o)) + list(tup(f)), a + list(h)


def _projected_grads(outs, leaves, ws):
    """The leaves' gradients of one random projection (ws) of outs."""
    return grads(sum((x * w.to(x.dtype)).sum() for x, w in zip(outs, ws)), leaves)


def _fp32_vs_fp64(label, spec, op, args, h0, gen, **kw):
    """The op in fp32 on the Triton kernels vs in fp64 on the torch engine: forward, then every gradient. Returns the
    outputs' names, their fp64 values and each one's tolerance (TOL32, or FP32_SLACK times the torch engine's fp32
    error on them, the larger) for the caller's other fp32 paths."""
    ref, leaves64 = _run(op, args, h0, torch.float64, "torch", **kw)
    got, leaves32 = _run(op, args, h0, torch.float32, "triton", **kw)
    if op.last_backend != "triton":
        raise CheckFailed(f"asked for triton, ran {op.last_backend}")
    names = [f"out:{n}" for n, _ in spec.outputs] + [f"final:{s.name}" for s in spec.states]
    # the conditioning's yardstick: the torch engine's own fp32 error in chunks of 16, 32 and the Triton kernels' 64
    # (the largest: the gate sums' range grows with the chunk; session 70's fuzz, a gated triple-factor rule under
    # varlen, dA 1.18e-4 on the Triton kernels against 8.5e-7 of torch's fp32 in chunks of 16; at seed 2 of its
    # inputs torch's fp32 2.2e-6 in chunks of 16, 2.3e-5 in chunks of 64, the kernels 6.5e-5)
    yardsticks = [_run(op, args, h0, torch.float32, "torch", chunk=c, **kw) for c in (16, 32, 64)]
    tols = []
    for i, (name, x, r) in enumerate(zip(names, got, ref)):
        # an output's tolerance is also FP32_SLACK times the torch engine's own fp32 error, as every gradient's (a
        # quotient read-out divides by a normalizer near its cancellation: session 65's fuzz, a Based variant with
        # RWKV-6's bonus read-out, 1.39e-4 on the Triton kernels)
        base = max(rel_err(t[i].detach().double(), r.detach()) for t, _ in yardsticks)
        tols.append(max(TOL32, FP32_SLACK * base))
        compare_all(f"triton fp32 vs torch fp64 {label}forward (torch fp32's error {base:.1e})", [(name, x)], [r],
                    tols[-1])
    ws = [torch.randn(x.shape, generator=gen, dtype=torch.float64) for x in ref]
    g64 = _projected_grads(ref, leaves64, ws)
    g32 = _projected_grads(got, leaves32, ws)
    gn = [f"d{n}" for n in args] + [f"dh0:{s.name}" for s in spec.states]
    # fp32: a gradient that is zero in exact arithmetic is compared on 1e-3 of the largest gradient
    floor = max(1e-3 * max((float(g.abs().max()) for g in g64 if g is not None), default=0.0), 1e-30)
    t32s = [_projected_grads(t, leaves, ws) for t, leaves in yardsticks]
    for i in range(len(gn)):
        base = max(0.0 if g64[i] is None or t32[i] is None else rel_err(t32[i].double(), g64[i], floor)
                   for t32 in t32s)
        compare_all(f"triton fp32 vs torch fp64 {label}gradients (torch fp32's error {base:.1e})",
                    [(gn[i], g32[i])], [g64[i]], max(TOL32, FP32_SLACK * base), floor)
    return names, [x.detach() for x in ref], tols


def check_triton(spec, op, shape, rng):
    """Triton kernels (interpreter) in fp32 vs the fp64 torch engine at gate scale 1: the op with an initial state
    (forward, gradients; forward without gradients), op.step over the sequence, and varlen (or, with token shifts, a
    step continuing from the chunked op's state and prev_inputs)."""
    _, Tn, H, sizes, _ = shape
    # the interpreter runs one program at a time: keep the grid and T small (--triton-tokens)
    most = ARGS.triton_tokens if ARGS is not None else 20
    B, Tn = 1, min(max(Tn, 7, most if most > 64 else 0), most)
    args = random_inputs(spec, B, Tn, H, sizes, torch.float64, 1.0, seed=rng.randrange(1 << 30))
    gen = torch.Generator().manual_seed(rng.randrange(1 << 30))
    h0 = init_states(spec, B, H, sizes, torch.float64, gen)
    names, ref, tols = _fp32_vs_fp64("", spec, op, args, h0, gen)
    a32 = {k: x.float() for k, x in args.items()}
    with torch.no_grad():
        # a call without gradients may take other kernels and leave prologue tensors unwritten (value_scale, the
        # delta rule's fold b)
        no, nf = op(*a32.values(), initial_state=one(tuple(h.float() for h in h0)), output_final_state=True,
                    backend="triton")
    compare_each("triton fp32 without gradients vs torch fp64", names, list(tup(no)) + list(tup(nf)), ref, tols)
    with torch.no_grad():
        so, sf = op.step(*a32.values(), initial_state=one(tuple(h.float() for h in h0)), output_final_state=True,
                         backend="triton")
    compare_each("triton op.step fp32 vs torch fp64", names, list(tup(so)) + list(tup(sf)), ref, tols)
    if op.shifts:
        cut = rng.randint(1, Tn - 1)
        with torch.no_grad():
            o1, s1, p1 = op(*tok(spec, a32, 0, cut).values(), initial_state=one(tuple(h.float() for h in h0)),
                            output_final_state=True, output_prev_inputs=True, backend="triton")
            o2, s2 = op.step(*tok(spec, a32, cut, Tn).values(), initial_state=s1, prev_inputs=p1,
                             output_final_state=True, backend="triton")
        got = [torch.cat([a, b], 1) for a, b in zip(tup(o1), tup(o2))] + list(tup(s2))
        compare_each(f"triton op then step from {cut} (prev_inputs) vs torch fp64", names, got, ref, tols)
        return
    a, b = sorted(rng.sample(range(1, Tn), 2))
    cu = torch.tensor([0, a, a, b, Tn])
    vargs = random_inputs(spec, 1, Tn, H, sizes, torch.float64, 1.0, seed=rng.randrange(1 << 30))
    vh0 = init_states(spec, 4, H, sizes, torch.float64, gen)
    _fp32_vs_fp64(f"varlen {cu.tolist()} ", spec, op, vargs, vh0, gen, cu_seqlens=cu)


def check_prove(spec, op, shape, rng):
    """The sympy proofs that the normalized update equals the written one (lindsl.passes.prove) and that every
    kernelized pair score found (lindsl.passes.kernelize) equals the features' dot product."""
    from lindsl.passes.prove import prove_normalized
    res = prove_normalized(op.compiled.normalized)
    if res.startswith("FAILED"):
        raise CheckFailed(f"prove: {res}")
    from lindsl.passes.kernelize import kernelized_reads, prove_pair_score
    n = op.compiled.normalized
    for i, score in kernelized_reads(n).items():
        if not prove_pair_score(n, i, score):
            raise CheckFailed(f"prove: read{i}'s kernelized pair score {score.text()} does not hold")


def check_nn(spec, op, shape, rng):
    """lindsl.nn.LinearAttention built from the spec (fp64): a prefill then op.step per token (the cache) equals the
    full forward, and the backward of the full forward gives finite parameter gradients."""
    from lindsl.nn import LinearAttention
    if len(spec.outputs) != 1:
        return  # documented: a layer needs exactly one output
    B, Tn, _, sizes, _ = shape
    Tn = max(Tn, 3)
    torch.manual_seed(rng.randrange(1 << 30))
    layer = LinearAttention(spec, d_model=16, num_heads=2).double()
    h = torch.randn(B, Tn, 16, dtype=torch.float64)
    full, _ = layer(h)
    p = rng.randint(1, Tn - 1)
    y, cache = layer(h[:, :p], use_cache=True)
    steps = [y]
    for t in range(p, Tn):
        y, cache = layer(h[:, t:t + 1], cache)
        steps.append(y)
    compare_all(f"nn prefill {p} + decode vs full forward", [("y", torch.cat(steps, 1))], [full], TOL64)
    full.square().sum().backward()
    bad = [n for n, q in layer.named_parameters() if q.grad is not None and not torch.isfinite(q.grad).all()]
    if bad:
        raise CheckFailed(f"nn: non-finite parameter gradients {bad}")


def check_aot(spec, op, shape, rng):
    """Every kernel variant the candidate's bf16 forward, backward and decode step launch (the engine's and its
    generated rows and step kernels) compiles for sm_90: benchmarks/aot_check.py on its source, in a process without
    the interpreter, which runs code that Triton's compiler refuses (session 39)."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, f"{spec.name}.lin")
        with open(path, "w") as f:
            f.write(to_lin(spec))
        run = aot_check.run_clean(path)
    if run.returncode != 0 or " 0 problems" not in run.stdout:
        bad = [line for line in run.stdout.splitlines() if "COMPILE ERROR" in line or "TOO MUCH" in line]
        raise CheckFailed("aot: " + ("; ".join(bad[:3]) if bad else (run.stdout + run.stderr)[-600:]))


CHECKS = {"chunk": check_chunk, "recurrent": check_recurrent, "state": check_state, "varlen": check_varlen,
          "print": check_print, "prove": check_prove, "nn": check_nn, "triton": check_triton, "aot": check_aot}


# ------------------------------------------------------------------ driver
def draw_shape(spec, rng):
    Tn = rng.choice([1, 7, 20, 33])
    K, V = rng.randint(4, 8), rng.randint(4, 8)
    mems = {s.ty.mem for s in spec.states if s.ty.mem} | {i.ty.mem for i in spec.inputs if i.ty.mem}
    values = {s.value_dim for s in spec.states if s.value_dim}
    return 2, Tn, 2, sized(spec, lambda d: 2 if d in mems else (V if d in values else K)), rng.choice([1.0, 1.0, 1.0, 10.0])


def run_candidate(i, spec, what, rng, checks, triton_every, emit, counts, aot_every=0):
    src = to_lin(spec)
    rec = dict(id=i, lineage=what, source=src)
    try:
        op = load(spec)
    except Exception as e:  # noqa: BLE001 - static checks passed, so the compiler should accept it
        counts["compile"] = counts.get("compile", [0, 0])
        counts["compile"][1] += 1
        emit(dict(rec, check="compile", message=f"{type(e).__name__}: {e}", tb=traceback.format_exc(limit=8)))
        return False
    counts.setdefault("compile", [0, 0])[0] += 1
    shape = draw_shape(spec, rng)
    ok = True
    for name in checks:
        if name == "triton" and not (triton_every and i % triton_every == 0):
            continue
        if name == "aot" and not (aot_every and i % aot_every == 0):
            continue
        c = counts.setdefault(name, [0, 0])
        c[0] += 1
        try:
            CHECKS[name](spec, op=op, shape=shape, rng=random.Random(rng.randrange(1 << 30)))
        except CheckFailed as e:
            c[1] += 1
            ok = False
            emit(dict(rec, check=name, shape=repr(shape), message=str(e)))
        except Exception as e:  # noqa: BLE001 - a crash is a finding
            c[1] += 1
            ok = False
            emit(dict(rec, check=name, shape=repr(shape), message=f"crash {type(e).__name__}: {e}",
                      tb=traceback.format_exc(limit=10)))
    return ok


def main(args):
    global ARGS_shift_prob, ARGS_unstable
    ARGS_shift_prob, ARGS_unstable = args.shift_prob, args.unstable
    torch.set_num_threads(1)
    out = sys.stdout if args.out == "-" else open(args.out, "w")
    checks = [c for c in args.checks.split(",") if c]
    nfail = 0

    def emit(rec):
        nonlocal nfail
        nfail += 1
        out.write(json.dumps(rec) + "\n")
        out.flush()
        if args.verbose or out is not sys.stdout:
            print(f"  FAIL #{rec['id']} {rec['check']}: {rec['message'][:300]}", file=sys.stderr)

    rng = random.Random(args.seed)
    stats = dict(drawn=0, not_applicable=0, no_mutation=0, duplicate=0, static_reject=0)
    counts: dict[str, list[int]] = {}
    t0 = time.time()
    if args.only:
        gen = iter([(parse_spec(open(args.only).read(), args.only), [args.only])])
    elif args.source == "properties":
        gen = property_specs(args.n, args.seed, stats)
    else:
        gen = candidates(rng, stats)
    i = 0
    for spec, what in gen:
        if spec is None:
            emit(dict(id=i, check="generate", lineage=what[:1], message=what[1], tb=what[2], source=""))
            continue
        i += 1
        t1 = time.time()
        ok = run_candidate(i, spec, what, rng, checks, args.triton, emit, counts, args.aot)
        if args.verbose:
            print(f"[{i}] {time.time() - t1:5.1f}s {'ok  ' if ok else 'FAIL'} {' | '.join(what)}", file=sys.stderr)
        if i >= args.n or time.time() - t0 > args.budget:
            break
    summary = dict(candidates=i, seconds=round(time.time() - t0, 1), failures=nfail, generation=stats,
                   checks={k: dict(ran=v[0], failed=v[1]) for k, v in counts.items()})
    print(json.dumps(summary), file=sys.stderr)
    return 1 if nfail else 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
