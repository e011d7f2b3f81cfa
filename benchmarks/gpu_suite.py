"""GPU suite (one run on the lent H200): correctness of every library spec at real sizes in bf16, then a speed
table against flash-linear-attention and SDPA. Not a test: run it with the device tool, e.g.

    python3 benchmarks/gpu_suite.py --out $OUT

Correctness: the generated Triton kernels on bf16 inputs vs the PyTorch chunkwise engine in fp64 on the same
(bf16-rounded) values, which CI checks against the naive recurrence. Relative RMS error of the output, the final
state and every gradient; tolerances as in fla's tests (5e-3 output, 1e-2 gradients, 2e-2 gate/beta gradients).
Kernel buffers are poisoned with NaN before they are written (LINDSL_POISON=1 during the checks). Gate
scales 1 and 10.

Speed: medians of triton.testing.do_bench, forward and forward+backward, ratio fla/lindsl from the same run,
peak memory (torch.cuda.max_memory_allocated), compile time (generation + Triton JIT of the first call).
"""
import argparse
import faulthandler
import json
import math
import os
import sys
import tempfile
import time
import traceback

import torch
import torch.nn.functional as F
import triton

import lindsl
from lindsl.check import default_sizes, random_inputs, rel_rms, rms

LIBRARY = ["linear_attn", "linear_attn_normalized", "retnet", "lightning", "mamba2", "gla", "hgrn2", "rwkv6",
           "deltanet", "gated_deltanet", "kda", "rwkv7", "mom_gated_deltanet", "sse_gla"]
GATE_NAMES = {"g", "w", "beta", "dt", "A"}
ZERO_FLOOR = 1e-4


def random_compositions(n, seed):
    """n random compositions of supported primitives: library specs with one to three random mutations
    (lindsl.search.mutate) that pass the static checks (causal, linear cost, transition norm <= 1)."""
    import random

    from lindsl.runtime.op import spec_from
    from lindsl.search.mutate import MUTATIONS, NotApplicable, mutate
    from lindsl.search.static import static_checks
    rng = random.Random(seed)
    out, tries = [], 0
    while len(out) < n and tries < 50 * n:
        tries += 1
        spec, what = spec_from(rng.choice(LIBRARY)), []
        for _ in range(rng.randint(1, 3)):
            try:
                spec, desc = mutate(spec, rng.choice(sorted(MUTATIONS)), rng)
                what.append(desc)
            except NotApplicable:
                continue
        if what and all(c.ok for c in static_checks(spec)[0]):
            out.append((spec, "; ".join(what)))
    return out


def correctness(name, B, T, H, D, gate_scale, seed=0):
    op = lindsl.load(name)
    gates = GATE_NAMES | {d.name for d in op.spec.inputs if d.role not in ("real", "unitnorm")}
    sizes = default_sizes(op.spec, K=D, V=D, M=4)
    args = random_inputs(op.spec, B, T, H, sizes, torch.float32, gate_scale, seed, device="cuda")
    xb = {k: v.to(torch.bfloat16).requires_grad_(True) for k, v in args.items()}
    xr = {k: v.detach().double().requires_grad_(True) for k, v in xb.items()}
    t0 = time.perf_counter()
    o, f = op(*xb.values(), output_final_state=True, backend="triton")
    assert op.last_backend == "triton"
    o = o if not isinstance(o, tuple) else o[0]
    fs = f if isinstance(f, tuple) else (f,)
    gen = torch.Generator(device="cuda").manual_seed(seed + 7)
    do = torch.randn(o.shape, device="cuda", generator=gen)
    dfs = [torch.randn(x.shape, device="cuda", generator=gen) for x in fs]
    loss = (o.float() * do).sum() + sum((x.float() * w).sum() for x, w in zip(fs, dfs))
    g = torch.autograd.grad(loss, list(xb.values()), allow_unused=True)
    torch.cuda.synchronize()
    first_call = time.perf_counter() - t0
    o_r, f_r = op(*xr.values(), output_final_state=True, backend="torch", chunk_size=16)
    o_r = o_r if not isinstance(o_r, tuple) else o_r[0]
    frs = f_r if isinstance(f_r, tuple) else (f_r,)
    loss_r = (o_r * do.double()).sum() + sum((x * w.double()).sum() for x, w in zip(frs, dfs))
    g_r = torch.autograd.grad(loss_r, list(xr.values()), allow_unused=True)
    with torch.no_grad():  # a forward without gradients may take other kernels (the bf16 rank-one state pass)
        o_inf = op(*xb.values(), backend="triton")[0]
    o_inf = o_inf if not isinstance(o_inf, tuple) else o_inf[0]
    rows = [("o", rel_rms(o, o_r), 5e-3), ("o_nograd", rel_rms(o_inf, o_r), 5e-3)]
    rows += [(f"final{i}", rel_rms(a, b), 5e-3) for i, (a, b) in enumerate(zip(fs, frs))]
    # a gradient that is zero up to rounding in fp64 (e.g. the router's under top-1 routing with renormalised
    # weights) is compared on the scale of the largest gradient: ZERO_FLOOR of it, below bf16's resolution
    scale = max((rms(b) for b in g_r if b is not None), default=0.0)
    for n, a, b in zip(xb, g, g_r):
        if a is None and b is None:
            continue
        tol = 2e-2 if n in gates else 1e-2
        rows.append((f"d{n}", rel_rms(a, b, ZERO_FLOOR * scale) if a is not None and b is not None else math.inf, tol))
    return rows, first_call + op.timings["total"]


LAUNCH_FIELDS = ("grid", "block", "registers per thread", "shared memory", "est. achieved occupancy %")


def kernel_launches(fn):
    """The kernels of one call of fn (after a warm-up call), in launch order: dicts of name, us and LAUNCH_FIELDS
    (torch.profiler's Chrome trace)."""
    fn()
    torch.cuda.synchronize()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "trace.json")
        prof.export_chrome_trace(path)
        with open(path) as fh:
            events = json.load(fh)["traceEvents"]
    kernels = sorted((e for e in events if e.get("cat") == "kernel"), key=lambda e: e["ts"])
    return [dict(name=e["name"], us=e.get("dur", 0.0), **{f: e.get("args", {}).get(f) for f in LAUNCH_FIELDS})
            for e in kernels]


def kernel_ms(fn, reps=3):
    """Median over reps calls of the summed durations of the kernels one call of fn launches (ms): the GPU's work
    without the host's gaps. Where the host cannot keep up (Mamba-2's forward+backward at 2x16384x16x128 enqueues
    in 5.2 ms 4.7 ms of kernels: session 31) the wall clock measures the host, and so would an A/B by it."""
    sums = sorted(sum(r["us"] for r in kernel_launches(fn)) / 1e3 for _ in range(reps))
    return sums[len(sums) // 2]


def time_ms(fn):
    return triton.testing.do_bench(fn, warmup=25, rep=100, return_mode="median")


def peak_mb(fn, above_current=False):
    """Peak GPU memory (MB) during one call of fn; above_current: less what was allocated before it (a decode step's
    own buffers, not the other rows' tensors still alive in the process)."""
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated() if above_current else 0
    fn()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - before) / 2**20


def bench_case(name, fn_fwd, fn_bwd):
    fwd = time_ms(fn_fwd)
    fb = time_ms(fn_bwd)
    mem = peak_mb(fn_bwd)
    return fwd, fb, mem


def lindsl_fns(name, B, T, H, D):
    op = lindsl.load(name)
    sizes = default_sizes(op.spec, K=D, V=D, M=4)
    args = random_inputs(op.spec, B, T, H, sizes, torch.float32, 1.0, 0, device="cuda")
    xb = [v.to(torch.bfloat16).requires_grad_(True) for v in args.values()]
    fwd, fb, first = timed_closures(lambda: op(*xb)[0])
    fb.inputs = xb
    return fwd, fb, first + op.timings["total"]


def timed_closures(call):
    """(forward, forward+backward, seconds of the first call incl. compilation) for a call returning the output."""
    t0 = time.perf_counter()
    call().float().sum().backward()
    torch.cuda.synchronize()
    first = time.perf_counter() - t0
    do = torch.randn_like(call().detach())

    def fwd():
        with torch.no_grad():
            call()

    def fb():
        call().backward(do)

    fb.call_out, fb.grad_out = call, do  # for benchmarks/host_ab.py's comparisons
    return fwd, fb, first


FLA_OPS = {
    "retnet": ("simple_gla", "chunk_simple_gla"), "mamba2": ("simple_gla", "chunk_simple_gla"),
    "gla": ("gla", "chunk_gla"), "hgrn2": ("gla", "chunk_gla"), "rwkv6": ("rwkv6", "chunk_rwkv6"),
    "deltanet": ("delta_rule", "chunk_delta_rule"), "gated_deltanet": ("gated_delta_rule", "chunk_gated_delta_rule"),
    "kda": ("kda", "chunk_kda"), "rwkv7": ("rwkv7", "chunk_rwkv7"),
}


def fla_call(name, B, T, H, D, device="cuda"):
    """(call, inputs): fla's op for a library family on fla's benchmark inputs (bf16, requiring gradients; the
    call returns (output, final state)). Every input is made, as in the speed table's runs, though a family takes
    only some (the peak memory column counts them all)."""
    import importlib
    mod, fn_name = FLA_OPS[name]
    fn = getattr(importlib.import_module(f"fla.ops.{mod}"), fn_name)
    try:
        import fla.ops.common.chunk_o as co
        co.TRITON_ABOVE_3_7_1 = True  # fla #640 guard off: timing only (see RESULTS.md)
    except Exception:
        pass
    dev, bf = device, torch.bfloat16
    mk = lambda *s: torch.randn(*s, device=dev, dtype=bf).requires_grad_(True)  # noqa: E731
    q, k, v = mk(B, T, H, D), mk(B, T, H, D), mk(B, T, H, D)
    with torch.no_grad():
        k.copy_(F.normalize(k.float(), dim=-1).to(bf))
        q.copy_(F.normalize(q.float(), dim=-1).to(bf))
    g = (F.logsigmoid(torch.randn(B, T, H, device=dev)) / 16).to(bf).requires_grad_(True)
    gk = (F.logsigmoid(torch.randn(B, T, H, D, device=dev)) / 16).to(bf).requires_grad_(True)
    beta = torch.rand(B, T, H, device=dev, dtype=bf).requires_grad_(True)
    if mod == "simple_gla":
        call = lambda: fn(q, k, v, g=g)  # noqa: E731
    elif mod == "gla":
        call = lambda: fn(q, k, v, gk)  # noqa: E731
    elif mod == "rwkv6":
        u = torch.randn(H, D, device=dev, dtype=bf).requires_grad_(True)
        call = lambda: fn(q, k, v, gk, u)  # noqa: E731
    # the library's delta-rule specs normalize q and k inside the op (l2norm), so fla's rows include its own l2norm
    # forward and backward (use_qk_l2norm_in_kernel, as fla's DeltaNet, Gated DeltaNet and KDA layers call them);
    # before session 15 they did not. RWKV-7's rows still leave out fla's layer-side l2norm(kappa) and a, b products
    elif mod == "delta_rule":
        call = lambda: fn(q, k, v, beta, use_qk_l2norm_in_kernel=True)  # noqa: E731
    elif mod == "gated_delta_rule":
        call = lambda: fn(q, k, v, g, beta, use_qk_l2norm_in_kernel=True)  # noqa: E731
    elif mod == "kda":
        call = lambda: fn(q, k, v, gk, beta, use_qk_l2norm_in_kernel=True)  # noqa: E731
    elif mod == "rwkv7":
        kap = F.normalize(torch.randn(B, T, H, D, device=dev), dim=-1)
        a = (-kap).to(bf).requires_grad_(True)
        bb = (kap * torch.rand(B, T, H, D, device=dev)).to(bf).requires_grad_(True)
        call = lambda: fn(q, gk, k, v, a, bb)  # noqa: E731
    inputs = [q, k, v, g, gk, beta] + ([u] if mod == "rwkv6" else []) + ([a, bb] if mod == "rwkv7" else [])
    return call, inputs


def fla_fns(name, B, T, H, D):
    call, _ = fla_call(name, B, T, H, D)
    return timed_closures(lambda: call()[0])


def sdpa_fns(B, T, H, D):
    mk = lambda: torch.randn(B, H, T, D, device="cuda", dtype=torch.bfloat16, requires_grad=True)  # noqa: E731
    q, k, v = mk(), mk(), mk()
    do = torch.randn(B, H, T, D, device="cuda", dtype=torch.bfloat16)

    def fwd():
        with torch.no_grad():
            F.scaled_dot_product_attention(q, k, v, is_causal=True)

    def fb():
        F.scaled_dot_product_attention(q, k, v, is_causal=True).backward(do)

    return fwd, fb


FLA_DECODE = {
    "retnet": ("simple_gla", "fused_recurrent_simple_gla"), "mamba2": ("simple_gla", "fused_recurrent_simple_gla"),
    "gla": ("gla", "fused_recurrent_gla"), "hgrn2": ("gla", "fused_recurrent_gla"),
    "rwkv6": ("rwkv6", "fused_recurrent_rwkv6"), "deltanet": ("delta_rule", "fused_recurrent_delta_rule"),
    "gated_deltanet": ("gated_delta_rule", "fused_recurrent_gated_delta_rule"),
    "kda": ("kda", "fused_recurrent_kda"), "rwkv7": ("rwkv7", "fused_recurrent_rwkv7"),
}


def fla_decode_call(name, B, H, D):
    """fla's fused_recurrent step for the family of a library spec (FLA_DECODE): a closure over its own inputs."""
    import importlib
    mod, fn_name = FLA_DECODE[name]
    fn = getattr(importlib.import_module(f"fla.ops.{mod}"), fn_name)
    bf, dev = torch.bfloat16, "cuda"
    q, k, v = (torch.randn(B, 1, H, D, device=dev, dtype=bf) for _ in range(3))
    k = F.normalize(k.float(), dim=-1).to(bf)
    g = (F.logsigmoid(torch.randn(B, 1, H, device=dev)) / 16).to(bf)
    gk = (F.logsigmoid(torch.randn(B, 1, H, D, device=dev)) / 16).to(bf)
    beta = torch.rand(B, 1, H, device=dev, dtype=bf)
    h0 = torch.zeros(B, H, D, D, device=dev)
    u = torch.randn(H, D, device=dev, dtype=bf)
    kap = F.normalize(torch.randn(B, 1, H, D, device=dev), dim=-1)
    a, b = (-kap).to(bf), (kap * torch.rand(B, 1, H, D, device=dev)).to(bf)
    # keywords: fla 0.6's fused_recurrent_gated_delta_rule takes gk (not beta) as its fifth argument; the
    # delta rules normalize q and k as the library's specs do (use_qk_l2norm_in_kernel, since session 15);
    # RWKV-7's a and b as fla_fns makes them
    call = {"simple_gla": lambda: fn(q, k, v, g=g, initial_state=h0, output_final_state=True),
            "gla": lambda: fn(q, k, v, gk=gk, initial_state=h0, output_final_state=True),
            "rwkv6": lambda: fn(q, k, v, gk, u, initial_state=h0, output_final_state=True),
            "delta_rule": lambda: fn(q, k, v, beta, initial_state=h0, output_final_state=True,
                                     use_qk_l2norm_in_kernel=True),
            "gated_delta_rule": lambda: fn(q, k, v, g=g, beta=beta, initial_state=h0, output_final_state=True,
                                           use_qk_l2norm_in_kernel=True),
            "kda": lambda: fn(q, k, v, gk, beta, initial_state=h0, output_final_state=True,
                              use_qk_l2norm_in_kernel=True),
            "rwkv7": lambda: fn(q, gk, k, v, a, b, initial_state=h0, output_final_state=True)}[mod]
    return call


def decode_row(name, B, H, D, with_fla):
    """One decode step (T=1, state in and out): lindsl's fused-recurrent form vs fla's fused_recurrent, each eager and
    captured as a CUDA graph."""
    op = lindsl.load(name)
    sizes = default_sizes(op.spec, K=D, V=D, M=4)
    args = [v.to(torch.bfloat16) for v in random_inputs(op.spec, B, 1, H, sizes, torch.float32, 1.0, 0,
                                                         device="cuda").values()]
    from lindsl.runtime.naive import state_shape
    st = tuple(torch.zeros(state_shape(s, B, H, sizes), device="cuda") for s in op.spec.states)
    st = st[0] if len(st) == 1 else st
    step = lambda: op.step(*args, initial_state=st, output_final_state=True)  # noqa: E731
    ref_out = step()[0].float()
    # the step against the PyTorch engine in fp64 on the same inputs (checks the decode path and its knobs)
    st64 = tuple(s.double() for s in st) if isinstance(st, tuple) else st.double()
    exact = op(*[a.double() for a in args], initial_state=st64, backend="torch")[0]
    row = dict(spec=name, batch=B, H=H, D=D, step_rel_err=rel_rms(ref_out, exact), lindsl_step_ms=time_ms(step))
    row["lindsl_tok_s"] = B / row["lindsl_step_ms"] * 1e3
    # the same step captured as a CUDA graph (op.graphed_step): same output, one launch per token
    graphed = op.graphed_step(*args, initial_state=st)
    row["graphed_rel_err"] = rel_rms(graphed(*args).float(), ref_out)
    row["graphed_step_ms"] = time_ms(lambda: graphed(*args))
    row["graphed_tok_s"] = B / row["graphed_step_ms"] * 1e3
    row["lindsl_step_mb"] = peak_mb(lambda: graphed(*args), above_current=True)
    row["lindsl_eager_step_mb"] = peak_mb(step, above_current=True)
    if with_fla and name in FLA_DECODE:
        call = fla_decode_call(name, B, H, D)
        call()
        row["fla_step_ms"] = time_ms(call)
        row["fla_tok_s"] = B / row["fla_step_ms"] * 1e3
        row["fla_step_mb"] = peak_mb(call, above_current=True)
        # fla's step captured as a CUDA graph too (the same inputs every replay), against lindsl's graphed step
        try:
            replay = graphed_call(call)
            row["fla_graphed_step_ms"] = time_ms(replay)
            row["fla_graphed_tok_s"] = B / row["fla_graphed_step_ms"] * 1e3
        except Exception as e:  # a capture fla's op does not allow: the row keeps its eager times
            row["fla_graphed_error"] = repr(e)
    return row


def graphed_call(call):
    """call captured as a CUDA graph (after a warm-up on a side stream): the graph's replay."""
    graph = torch.cuda.CUDAGraph()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        call()
    torch.cuda.current_stream().wait_stream(side)
    with torch.cuda.graph(graph):
        call()
    return graph.replay


def io_floor_ms(B, T, H, D, n_in=3):
    """q, k, v read and o written once in bf16 at the measured 4.25 TB/s."""
    return (n_in + 1) * B * T * H * D * 2 / 4.25e12 * 1e3


def roofline_ms(B, T, H, D, C=64):
    """The forward's floor: max of the IO floor and the chunked products of the plainest rule (per token and head
    2CD for q k^T, 2CD for P v, 2D^2 for q S, 2D^2 for k^T v) at the measured 686 TFLOP/s bf16 matmul rate; a lower
    bound for rules with more work (a delta rule's WY system)."""
    flops = B * T * H * (4 * C * D + 4 * D * D)
    return max(io_floor_ms(B, T, H, D), flops / 686e12 * 1e3)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", default=os.environ.get("OUT", "."))
    p.add_argument("--specs", default=",".join(LIBRARY))
    p.add_argument("--check-shape", default="2,4096,8,128", help="one or more B,T,H,D separated by ';'")
    p.add_argument("--autotune-cache", default="",
                   help="directory of saved Triton autotune results (*.autotune.json): loaded before the run, "
                        "updated after it (fla is still autotuned, once per op and shape)")
    p.add_argument("--bench-shapes", default="4,8192,16,128;8,2048,16,64")
    p.add_argument("--bench-specs", default=",".join(LIBRARY))
    p.add_argument("--fla", default="", help="comma list of specs whose fla counterpart is timed in this run")
    p.add_argument("--skip-check", action="store_true")
    p.add_argument("--random", type=int, default=0,
                   help="also check this many random compositions (mutated library specs) at the first check shape")
    p.add_argument("--random-seed", type=int, default=1, help="the random compositions' seed")
    p.add_argument("--profile", default="", help="comma list of specs to profile (forward+backward, first shape)")
    p.add_argument("--decode", default="", help="comma list of specs whose decode step is timed (batch 64, 256)")
    p.add_argument("--watchdog", type=float, default=0,
                   help="seconds one check or benchmark row may take before every thread's stack is printed and the "
                        "run exits (0: no limit)")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)

    def watch(what):
        """Re-arm the watchdog for the next unit of work and say which it is (a stalled run names it)."""
        if a.watchdog:
            print(f"-- {what}", flush=True)
            faulthandler.dump_traceback_later(a.watchdog, exit=True)
    if a.autotune_cache:
        os.environ["TRITON_CACHE_AUTOTUNING"] = "1"
        _sync_autotune(a.autotune_cache, _triton_cache_dir())
    env = dict(gpu=torch.cuda.get_device_name(), torch=torch.__version__, triton=triton.__version__,
               date=time.strftime("%Y-%m-%d"))
    print(json.dumps(env), flush=True)
    results = dict(env=env, check=[], bench=[])

    def dump():
        with open(os.path.join(a.out, "gpu_suite.json"), "w") as fh:
            json.dump(results, fh, indent=1)

    first_call = {}
    if not a.skip_check:
        os.environ["LINDSL_POISON"] = "1"
        for cshape in a.check_shape.split(";"):
            B, T, H, D = map(int, cshape.split(","))
            for name in filter(None, a.specs.split(",")):
                for gs in (1.0, 10.0):
                    watch(f"check {name} {cshape} gate x{gs:g}")
                    try:
                        t0 = time.perf_counter()
                        rows, first = correctness(name, B, T, H, D, gs)
                        first_call.setdefault(name, first)
                        ok = all(e <= tol for _, e, tol in rows)
                        worst = max(rows, key=lambda r: r[1] / r[2])
                        results["check"].append(dict(spec=name, shape=[B, T, H, D], gate_scale=gs, ok=ok, rows=rows,
                                                     first_call_s=first))
                        print(f"check {name:24s} {cshape:14s} gate x{gs:<4g} {'PASS' if ok else 'FAIL'}  worst "
                              f"{worst[0]} {worst[1]:.1e} (tol {worst[2]:.0e})  {time.perf_counter() - t0:.1f}s",
                              flush=True)
                    except Exception as e:
                        results["check"].append(dict(spec=name, shape=[B, T, H, D], gate_scale=gs, ok=False,
                                                     error=repr(e)))
                        print(f"check {name:24s} {cshape:14s} gate x{gs:<4g} ERROR {e!r}", flush=True)
                        traceback.print_exc()
                    dump()
                    torch.cuda.empty_cache()
        if a.random:
            B, T, H, D = map(int, a.check_shape.split(";")[0].split(","))
            for spec, what in random_compositions(a.random, seed=a.random_seed):
                try:
                    rows, _ = correctness(spec, B, T, H, D, 1.0)
                    ok = all(e <= tol for _, e, tol in rows)
                    worst = max(rows, key=lambda r: r[1] / r[2])
                    results["check"].append(dict(spec=spec.name, composition=what, source=spec.source,
                                                 shape=[B, T, H, D], gate_scale=1.0, ok=ok, rows=rows))
                    print(f"check random {spec.name} ({what}): {'PASS' if ok else 'FAIL'} worst {worst[0]} "
                          f"{worst[1]:.1e} (tol {worst[2]:.0e})", flush=True)
                except Exception as e:
                    results["check"].append(dict(spec=spec.name, composition=what, source=spec.source, ok=False,
                                                 error=repr(e)))
                    print(f"check random {spec.name} ({what}): ERROR {e!r}", flush=True)
                dump()
                torch.cuda.empty_cache()
    os.environ.pop("LINDSL_POISON", None)
    fla_set = set(filter(None, a.fla.split(",")))
    fla_done = {}
    for shape in filter(None, a.bench_shapes.split(";")):
        B, T, H, D = map(int, shape.split(","))
        try:
            sd = bench_case("sdpa", *sdpa_fns(B, T, H, D))
        except Exception as e:
            sd = (math.nan, math.nan, math.nan)
            print("sdpa failed", e)
        for name in a.bench_specs.split(","):
            watch(f"bench {name} {shape}")
            row = dict(spec=name, shape=[B, T, H, D], sdpa_fwd=sd[0], sdpa_fb=sd[1], sdpa_mem=sd[2],
                       io_floor_fwd=io_floor_ms(B, T, H, D), roofline_fwd=roofline_ms(B, T, H, D))
            try:
                f1, f2, compile_s = lindsl_fns(name, B, T, H, D)
                row.update(zip(("lindsl_fwd", "lindsl_fb", "lindsl_mem"), bench_case(name, f1, f2)))
                row["compile_s"] = first_call.get(name, compile_s)
            except Exception as e:
                row["lindsl_error"] = repr(e)
                traceback.print_exc()
            key = (FLA_OPS.get(name), B, T, H, D)
            if name in fla_set and key in fla_done:
                # the same fla op on the same inputs (retnet/mamba2 -> chunk_simple_gla, gla/hgrn2 -> chunk_gla)
                row.update({k: v for k, v in fla_done[key].items() if k.startswith("fla_")}, fla_timed_with=fla_done[key]["spec"])
            elif name in fla_set and name in FLA_OPS:
                try:
                    f1, f2, first = fla_fns(name, B, T, H, D)
                    row.update(zip(("fla_fwd", "fla_fb", "fla_mem"), bench_case(name, f1, f2)))
                    row["fla_first_call_s"] = first
                    fla_done[key] = row
                    if a.autotune_cache:
                        _sync_autotune(_triton_cache_dir(), os.path.join(a.out, "triton-autotune"), tar=True)
                except Exception as e:
                    row["fla_error"] = repr(e)
                    traceback.print_exc()
            results["bench"].append(row)
            dump()
            torch.cuda.empty_cache()
            print(fmt_row(row), flush=True)
    for name in filter(None, a.profile.split(",")):
        B, T, H, D = map(int, a.bench_shapes.split(";")[0].split(","))
        f1, f2, _ = lindsl_fns(name, B, T, H, D)
        f2()
        torch.cuda.synchronize()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
            f2()
            torch.cuda.synchronize()
        table_txt = prof.key_averages().table(sort_by="cuda_time_total", row_limit=25)
        with open(os.path.join(a.out, f"profile_{name}.txt"), "w") as fh:
            fh.write(table_txt)
        print(f"profile of {name} forward+backward (top kernels by CUDA time):\n{table_txt}", flush=True)
    if a.decode:
        results["decode"] = []
        for name in a.decode.split(","):
            for B in (64, 256):
                watch(f"decode {name} batch {B}")
                try:
                    row = decode_row(name, B, 16, 128, name in fla_set)
                except Exception as e:
                    row = dict(spec=name, batch=B, error=repr(e))
                    traceback.print_exc()
                results["decode"].append(row)
                dump()
                print("decode", json.dumps(row), flush=True)
    if a.autotune_cache:
        n = _sync_autotune(_triton_cache_dir(), os.path.join(a.out, "triton-autotune"), tar=True)
        print(f"saved {n} autotune results to $OUT/triton-autotune", flush=True)
    faulthandler.cancel_dump_traceback_later()
    print("\n" + table(results), flush=True)


def _triton_cache_dir():
    return os.environ.get("TRITON_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".triton", "cache")


def _sync_autotune(src, dst, tar=False):
    """Copy every *.autotune.json under src to the same relative path under dst; returns how many. With tar, a
    tar.gz of dst is written beside it too (the device tool returns a bounded number of files)."""
    import shutil
    import tarfile
    n = 0
    for root, _, files in os.walk(src):
        for f in files:
            if f.endswith(".autotune.json"):
                rel = os.path.relpath(os.path.join(root, f), src)
                os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
                shutil.copyfile(os.path.join(root, f), os.path.join(dst, rel))
                n += 1
    if n and tar:
        with tarfile.open(dst.rstrip("/") + ".tar.gz", "w:gz") as tar:
            tar.add(dst, arcname=os.path.basename(dst.rstrip("/")))
    return n


def fmt_row(r):
    def g(k):
        v = r.get(k)
        return f"{v:8.3f}" if isinstance(v, float) and math.isfinite(v) else f"{'-':>8s}"
    ratio = lambda a, b: (f"{r[a] / r[b]:6.2f}x" if isinstance(r.get(a), float) and isinstance(r.get(b), float)  # noqa: E731
                          and r[b] > 0 else f"{'-':>7s}")
    return (f"{r['spec']:22s} {'x'.join(map(str, r['shape'])):16s} lindsl {g('lindsl_fwd')} {g('lindsl_fb')} "
            f"fla {g('fla_fwd')} {g('fla_fb')} fla/lindsl {ratio('fla_fwd', 'lindsl_fwd')} {ratio('fla_fb', 'lindsl_fb')}"
            f" sdpa {g('sdpa_fwd')} {g('sdpa_fb')} mem(MB) {g('lindsl_mem')} fla {g('fla_mem')}"
            f" roofline/fwd {ratio('roofline_fwd', 'lindsl_fwd')}"
            f" compile {g('compile_s')}s")


def table(res):
    lines = [f"GPU {res['env']['gpu']}, torch {res['env']['torch']}, triton {res['env']['triton']}"]
    bad = [c for c in res["check"] if not c.get("ok")]
    lines.append(f"correctness: {len(res['check']) - len(bad)}/{len(res['check'])} pass"
                 + ("; FAIL: " + ", ".join(f"{c['spec']} x{c['gate_scale']}" for c in bad) if bad else ""))
    lines += [fmt_row(r) for r in res["bench"]]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
