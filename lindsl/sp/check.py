"""Sequence-parallel self-check on CPUs: spawned gloo ranks run ops on their shards and compare outputs, final
states and every gradient with the single-device run of the whole sequence.

    from lindsl.sp.check import check_world
    rows = check_world(4, specs=["gla", "gated_deltanet"], schedules=("allgather", "allscan", "doubling"))

Each row: spec, case ("batch" or "varlen"), schedule, rank and the relative error of every compared quantity
(max |sp - ref| / max |ref|, with an absolute floor for references that cancel to ~0). Errors are fp32 rounding:
the sequence-parallel run re-associates the state recurrence (shard products composed, folded in the schedule's
order, chunks aligned differently), so it is not bit-identical.

The failure scenarios (`failure_world`) check that mismatched shards, a local error on one rank and a dead rank
give an SPError on every surviving rank within the process group's timeout.
"""
from __future__ import annotations

import datetime
import json
import os
import sys
import tempfile
import time

import torch

SPECS = ("linear_attn", "linear_attn_normalized", "retnet", "lightning", "mamba2", "gla", "hgrn2", "rwkv6", "deltanet",
         "gated_deltanet", "kda", "rwkv7", "mom_gated_deltanet", "sse_gla")


def _fine_blocks():
    from .plan import LinkModel
    return LinkModel("negligible latency (test)", 1e-12, 1e9, 1e12, 1e12)


FINE_BLOCKS = _fine_blocks()


def _init(rank, world, store_dir, timeout_s):
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{store_dir}/store", rank=rank, world_size=world,
                            timeout=datetime.timedelta(seconds=timeout_s))
    return dist


def shard_lens(T: int, P: int) -> list[int]:
    """Uneven shard lengths (tests that ranks need not hold equal shares): T split with a +-1..2 ripple."""
    base = [T // P] * P
    for j in range(T % P):
        base[j] += 1
    for j in range(0, P - 1, 2):  # move up to two tokens from even to odd ranks, keeping every shard >= 1
        m = min(2, base[j] - 1)
        base[j] -= m
        base[j + 1] += m
    return base


def _rel(a, b, floor):
    a, b = a.detach().double(), b.detach().double()
    if not torch.isfinite(a).all():
        return float("inf")
    return float((a - b).abs().max() / b.abs().max().clamp_min(floor)) if b.numel() else 0.0


def _tup(x):
    return x if isinstance(x, tuple) else (x,)


def _worker(rank, world, store_dir, out_dir, cfg):
    import lindsl
    import lindsl.sp
    import lindsl.sp.runtime
    from lindsl.check import default_sizes, random_inputs
    from lindsl.runtime.naive import state_shape
    from lindsl.sp.payload import lasp2_applies
    dist = _init(rank, world, store_dir, cfg.get("timeout", 120))
    group = dist.group.WORLD
    dtype = {"float32": torch.float32, "float64": torch.float64}[cfg.get("dtype", "float32")]
    floor = 1e-2 if dtype == torch.float32 else 1e-6
    ref_kw = {"backend": cfg["ref_backend"]} if cfg.get("ref_backend") else {}  # the single-device reference's engine
    rows = []
    for si, name in enumerate(cfg["specs"]):
        op = lindsl.load(name)
        spec = op.spec
        # a forced form where it applies (LASP-2 for diagonal transitions), the default elsewhere
        form = cfg.get("form")
        lindsl.sp.runtime.FORM = form if form != "lasp2" or lasp2_applies(op.module.SP_INFO)[0] else None
        sizes = default_sizes(spec, K=cfg.get("K", 4), V=cfg.get("V", 3), M=cfg.get("M", 3))
        cases = ["batch"] + (["varlen"] if cfg.get("varlen") else [])
        for case in cases:
            B, H, T = (2, cfg["H"], cfg["T"]) if case == "batch" else (1, cfg["H"], cfg["T_varlen"])
            lens = shard_lens(T, world)
            starts = [sum(lens[:j]) for j in range(world)]
            s, e = starts[rank], starts[rank] + lens[rank]
            args = random_inputs(spec, B, T, H, sizes, dtype, seed=100 + si)
            xs = [args[d.name] for d in spec.inputs]
            gen = torch.Generator().manual_seed(7 + si)
            cu = None
            if case == "varlen":
                cu = torch.tensor(cfg["cu"], dtype=torch.int32)
                n_seq = len(cfg["cu"]) - 1
                init = tuple(torch.randn(state_shape(st, n_seq, H, sizes), generator=gen, dtype=torch.float64)
                             .to(dtype) for st in spec.states)
            else:
                init = tuple(torch.randn(state_shape(st, B, H, sizes), generator=gen, dtype=torch.float64)
                             .to(dtype) for st in spec.states)
            call_init = (lambda t: t if len(t) > 1 else t[0])
            # the reference: the whole sequence on one device
            leaves = [x.clone().requires_grad_() for x in xs]
            init_leaves = tuple(x.clone().requires_grad_() for x in init)
            out, fin = op(*leaves, initial_state=call_init(init_leaves), output_final_state=True, cu_seqlens=cu,
                          chunk_size=cfg.get("chunk", 4), **ref_kw)
            outs, fins = _tup(out), _tup(fin)
            w_out = [torch.randn(o.shape, generator=gen, dtype=torch.float64).to(o.dtype) for o in outs]
            w_fin = [torch.randn(f.shape, generator=gen, dtype=torch.float64).to(f.dtype) for f in fins]
            loss = sum((o * w).sum() for o, w in zip(outs, w_out))
            # final-state terms: batch: the shard-end states of ranks 0, 1 and the last (the sequence's final
            # state); varlen: the final state of every sequence
            fin_ranks = sorted({0, min(1, world - 1), world - 1}) if case == "batch" else []
            ref_end = {}
            if case == "batch":
                for j in fin_ranks:
                    ej = starts[j] + lens[j]
                    if ej == T:
                        fj = fins
                    else:
                        _, fj = op(*[x[:, :ej] if d.kind == "input" else x for x, d in zip(leaves, spec.inputs)],
                                   initial_state=call_init(init_leaves), output_final_state=True,
                                   chunk_size=cfg.get("chunk", 4), **ref_kw)
                        fj = _tup(fj)
                    ref_end[j] = [f.detach() for f in fj]
                    loss = loss + sum((f * w).sum() for f, w in zip(fj, w_fin))
            else:
                loss = loss + sum((f * w).sum() for f, w in zip(fins, w_fin))
            gref = torch.autograd.grad(loss, leaves + list(init_leaves), allow_unused=True)
            for sched in cfg["schedules"]:
                sh = [(x[:, s:e] if d.kind == "input" else x).detach().clone().requires_grad_()
                      for x, d in zip(xs, spec.inputs)]
                # initial_state: on every rank (batch: only rank 0 uses it; varlen: the ranks where sequences start)
                ish = tuple(x.detach().clone().requires_grad_() for x in init)
                if sched == "allscan":
                    # through lindsl.sp.run with a cost model of negligible latency: the chain then splits the state
                    # into as many column blocks as it can (pipelining), which exercises the blocked messages
                    o2, f2 = lindsl.sp.run(op, *sh, group=group, schedule=sched, initial_state=call_init(ish),
                                           output_final_state=True, cu_seqlens=cu, chunk_size=cfg.get("chunk", 4),
                                           model=FINE_BLOCKS)
                else:
                    o2, f2 = op(*sh, initial_state=call_init(ish), output_final_state=True, cu_seqlens=cu,
                                chunk_size=cfg.get("chunk", 4), sp_group=group, sp_schedule=sched)
                o2s, f2s = _tup(o2), _tup(f2)
                l2 = sum((o * w[:, s:e]).sum() for o, w in zip(o2s, w_out))
                if case == "batch" and rank in fin_ranks:
                    l2 = l2 + sum((f * w).sum() for f, w in zip(f2s, w_fin))
                if case == "varlen":
                    l2 = l2 + sum((f * w).sum() for f, w in zip(f2s, w_fin))
                l2.backward()
                err = {}
                for (oname, _), a, b in zip(spec.outputs, o2s, outs):
                    err[f"out:{oname}"] = _rel(a, b[:, s:e], floor)
                if case == "batch" and rank in fin_ranks:
                    for st, a, b in zip(spec.states, f2s, ref_end[rank]):
                        err[f"end:{st.name}"] = _rel(a, b, floor)
                if case == "varlen":
                    for st, a, b in zip(spec.states, f2s, fins):
                        tot = a.detach().clone()
                        dist.all_reduce(tot, group=group)
                        err[f"final:{st.name}"] = _rel(tot, b, floor)
                for x, d, g in zip(sh, spec.inputs, gref):
                    if g is None:
                        continue
                    if d.kind == "input":
                        err[f"d{d.name}"] = _rel(x.grad, g[:, s:e], floor)
                    else:
                        tot = x.grad.detach().clone()
                        dist.all_reduce(tot, group=group)
                        err[f"d{d.name}(sum)"] = _rel(tot, g, floor)
                for st, x, g in zip(spec.states, ish, gref[len(leaves):]):
                    tot = (x.grad if x.grad is not None else torch.zeros_like(x)).detach().clone()
                    dist.all_reduce(tot, group=group)
                    err[f"dh0:{st.name}(sum)"] = _rel(tot, g, floor)
                from lindsl.sp import last_plan
                rows.append(dict(spec=spec.name, case=case, schedule=sched, rank=rank, world=world,
                                 chosen=last_plan().schedule, blocks=last_plan().blocks, form=last_plan().form,
                                 err=err))
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump(rows, f)
    # every rank done with the group before any tears it down (a gloo rank once aborted at teardown in CI:
    # "terminate called without an active exception")
    dist.barrier()
    dist.destroy_process_group()
    # and no interpreter teardown after it: the abort's message is what a C++ thread object still joinable at
    # static destruction prints; the results are on disk, so the worker ends here with status 0
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def varlen_bounds(T: int, P: int) -> list[int]:
    """Packed-sequence boundaries that cross shard boundaries, start one sequence exactly at a shard start, and
    (for P >= 3) leave one shard entirely inside a sequence."""
    lens = shard_lens(T, P)
    starts = [sum(lens[:j]) for j in range(P)]
    cut = {0, T}
    cut.add(max(1, lens[0] // 2))  # a sequence ends inside shard 0
    if P >= 2:
        cut.add(starts[1] + max(1, lens[1] // 2))  # one starts inside shard 1 (the shard-0 sequence crosses into it)
    if P >= 3:
        cut.add(starts[P - 1])  # one starts exactly at the last shard's start
        # shards 2..P-2 lie inside the sequence that started in shard 1
    if P >= 2:
        cut.add(starts[P - 1] + max(1, lens[P - 1] // 2) if lens[P - 1] > 1 else T)
    return sorted(c for c in cut if 0 <= c <= T)


def _spawn(fn, world, cfg, timeout_s=600):
    import torch.multiprocessing as mp
    with tempfile.TemporaryDirectory() as d:
        store, out = os.path.join(d, "s"), os.path.join(d, "o")
        os.makedirs(store)
        os.makedirs(out)
        mp.spawn(fn, args=(world, store, out, cfg), nprocs=world, join=True)
        rows = []
        for r in range(world):
            p = os.path.join(out, f"rank{r}.json")
            if os.path.exists(p):
                with open(p) as f:
                    rows += json.load(f)
        return rows


def check_world(world: int, specs=SPECS, schedules=("allgather", "allscan", "doubling"), T=None, varlen=True,
                dtype="float32", chunk=4, K=4, V=3, M=3, timeout=120, H=2, cu=None, form=None,
                ref_backend=None) -> list[dict]:
    """Spawn `world` gloo ranks; every spec and schedule: sequence-parallel vs single device (see module doc);
    H heads in both cases (a batch of 2 and one packed row); cu: the packed row's boundaries (default
    varlen_bounds); form: the executor form forced on every spec where it applies (lindsl.sp.runtime.FORM);
    ref_backend: the engine of the single-device reference (default: the op's, as the sharded runs)."""
    T = T or max(24, 5 * world + 3)
    Tv = max(24, 5 * world + 3)
    cfg = dict(specs=list(specs), schedules=list(schedules), T=T, T_varlen=Tv, varlen=varlen, dtype=dtype,
               chunk=chunk, K=K, V=V, M=M, H=H, timeout=timeout, cu=list(cu) if cu else varlen_bounds(Tv, world),
               form=form, ref_backend=ref_backend)
    return _spawn(_worker, world, cfg)


# ------------------------------------------------------------------ failures
def _failure_worker(rank, world, store_dir, out_dir, cfg):
    import lindsl
    import lindsl.sp
    import lindsl.sp.runtime
    from lindsl.check import default_sizes, random_inputs
    from lindsl.sp import SPError
    dist = _init(rank, world, store_dir, cfg["timeout"])
    op = lindsl.load("gla")
    spec = op.spec
    sizes = default_sizes(spec, K=4, V=3)
    res = {}

    def attempt(label, xs, **kw):
        t0 = time.perf_counter()
        try:
            op(*xs, sp_group=dist.group.WORLD, **kw)
            res[label] = dict(ok=True, seconds=time.perf_counter() - t0)
        except SPError as e:
            res[label] = dict(ok=False, error=str(e), kind="SPError", seconds=time.perf_counter() - t0)
        except Exception as e:  # noqa: BLE001 - reported to the test
            res[label] = dict(ok=False, error=f"{type(e).__name__}: {e}", kind=type(e).__name__,
                              seconds=time.perf_counter() - t0)

    args = random_inputs(spec, 1, 8, 2, sizes, torch.float32, seed=rank)
    xs = [args[d.name] for d in spec.inputs]
    attempt("good", xs)
    t0 = time.perf_counter()
    try:  # the same through lindsl.sp.run, forcing a schedule
        o, _ = lindsl.sp.run(op, *xs, group=dist.group.WORLD, schedule="doubling")
        res["run"] = dict(ok=tuple(o.shape) == (1, 8, 2, 3), seconds=time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001
        res["run"] = dict(ok=False, error=f"{type(e).__name__}: {e}", kind=type(e).__name__)
    # different cost models on the ranks would choose different schedules: refused
    try:
        lindsl.sp.run(op, *xs, group=dist.group.WORLD, model="ib" if rank == 0 else "gloo")
        res["model"] = dict(ok=True)
    except SPError as e:
        res["model"] = dict(ok=False, error=str(e), kind="SPError")
    # 1. mismatched shard shapes: rank 1 has a different value dim
    bad = list(xs)
    if rank == 1:
        bad = [x if d.name != "v" else torch.randn(1, 8, 2, 5) for x, d in zip(xs, spec.inputs)]
    attempt("mismatch", bad)
    # 2. a local error on rank 1 (its own inputs disagree: H differs between q and k)
    bad = list(xs)
    if rank == 1:
        bad = [x if d.name != "q" else torch.randn(1, 8, 3, 4) for x, d in zip(xs, spec.inputs)]
    attempt("local_error", bad)
    # 3. different schedules on the ranks
    attempt("schedule", xs, sp_schedule="allscan" if rank == 0 else "doubling")
    # 4. autograd on one rank only
    attempt("grad_mode", [x.clone().requires_grad_(rank == 0) for x in xs])
    # 5. a spec that reads two tokens back, with one token on rank 0: its halo would need tokens of two shards
    shift = lindsl.load("lin shifted\ndim K, V\nin q[K], k[K], v[V]\nstate S[K, V]\nS = S + k[t-2] v^T\n"
                        "out o = S^T q\n")
    sargs = random_inputs(shift.spec, 1, 1 if rank == 0 else 8, 2, sizes, torch.float32, seed=rank)
    t0 = time.perf_counter()
    try:
        shift(*[sargs[d.name] for d in shift.spec.inputs], sp_group=dist.group.WORLD)
        res["shift"] = dict(ok=True, seconds=time.perf_counter() - t0)
    except Exception as e:  # noqa: BLE001
        res["shift"] = dict(ok=False, error=str(e), kind=type(e).__name__, seconds=time.perf_counter() - t0)
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump([res], f)
    # 6. rank 1 hangs (alive, not calling) past the timeout, then dies: the others' calls must fail, the first
    #    within about the process group's timeout, the second at once
    if rank == 1:
        time.sleep(1.5 * cfg["timeout"])
        os._exit(0)
    attempt("hung", xs)
    time.sleep(max(0.0, 2.0 * cfg["timeout"] - res["hung"]["seconds"]))
    attempt("dead", xs)
    with open(os.path.join(out_dir, f"rank{rank}.json"), "w") as f:
        json.dump([res], f)
    os._exit(0)  # the group is broken: skip destroy_process_group


def failure_world(world: int = 2, timeout: float = 3.0) -> list[dict]:
    """Failure scenarios on `world` gloo ranks; one dict of outcomes per rank (see _failure_worker)."""
    return _spawn(_failure_worker, world, dict(timeout=timeout))
