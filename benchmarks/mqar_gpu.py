"""MQAR on one GPU: does the search's MQAR score separate a known-good rule (Gated DeltaNet) from a known-weak one
(plain linear attention) at the same state size?  Several seeds per rule, one call, bounded in time.

    python3 benchmarks/mqar_gpu.py --out $OUT          # the GPU run (one H200, about 5 minutes)
    python3 benchmarks/mqar_gpu.py --dry --out /tmp/x  # CPU smoke test with tiny sizes (< 1 minute)

Every (rule, seed) run is lindsl.search.mqar.train_mqar -- the search's own MQAR task and lindsl.nn.CausalLM -- with
the setting lindsl.search.mqar.PRESETS["gpu"] (the same as `lindsl search --mqar-preset gpu`), so the numbers are
the search's scores. The runs go to worker processes that share the GPU (a model this small leaves an H200 idle
between kernel launches; launch overhead, not arithmetic, is the cost, so several processes overlap it). Runs are
ordered seed by seed, so a run cut short by the time budget still has every rule on the first seeds. After every
finished run the JSON under --out is rewritten; at the end a table gives each rule's mean, std and per-seed
accuracy, and whether the Gated DeltaNet and linear attention seeds separate.

The setting (PRESETS["gpu"]) and why:
  * T = 256, 32 key-value pairs, vocabulary 512, K = V = 16 (one head, 2 layers: 512 floats of state per
    sequence for every rule). Zoology (Arora et al. 2023) and the DeltaNet paper (Yang et al. 2024) separate rules
    where the number of pairs exceeds what the state can hold as a plain sum: here 32 pairs drawn from 255 possible
    keys into a 16-dimensional key space. Linear attention's read is sum_j (k_j . q) v_j, so with more keys than
    dimensions every read carries the crosstalk of all 32 pairs; the delta rule overwrites (it stores v - S k, a
    step of online least squares) and the gate can forget what is no longer needed. On the CPU the setting was
    6-8 pairs in 8-16 dimensions with vocabulary 32-64: few enough keys that an embedding makes them nearly
    orthogonal, so linear attention solved the task and the ranking was a race between learning speeds.
  * Longer training at a moderate learning rate (up to 2000 steps, batch 128, lr 2e-3, 10 % warmup, cosine): the
    CPU runs stopped at 800-1000 steps of batch 32, inside Gated DeltaNet's plateau (300-500 steps, by RESULTS.md),
    so the order was set by which seed left its plateau first. On the GPU a step of this small model costs kernel
    launches, not arithmetic, so batch 128 (4x the CPU's) sees more data per step at almost no cost. The script
    first times a few steps of every worker at once (--no-probe skips it) and, if 2000 steps would not fit the
    budget, trains fewer steps -- the same number for every rule -- and says so.
  * The decay gate starts slow: A ~ U(0.1, 1) instead of Mamba's U(1, 16) (dt ~ logU(1e-3, 0.1) as before), a
    per-token decay exp(-A dt) between 0.9999 and 0.9 with a median near 0.997, instead of a median near 0.92 that
    forgets a pair within about 12 tokens. With one head per layer the CPU runs drew a single decay rate per layer:
    a fast draw erased the pairs before their queries and Gated DeltaNet had to learn to slow its gate before it
    could recall anything, the seed-to-seed spread in RESULTS.md. The gate is still free to learn to forget.
  * No weight decay on 1-D parameters (norms, biases, A_log, dt_bias), as in fla and Mamba: decay on dt_bias
    pulls it towards 0, i.e. the gate towards exp(-0.69 A) per token, a fast decay.
  * fp32 (TF32 matmuls allowed): the model is too small for bf16 to save time, and fp32 keeps the delta rule's
    products out of the comparison.
Keys stay l2-normalised in Gated DeltaNet and DeltaNet (as in their papers and fla); their reads are scaled by the
output RMSNorm of the layer, so the normalisation does not shrink the signal.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import asdict, replace
from multiprocessing import get_context
from pathlib import Path

RULES = ["gated_deltanet", "deltanet", "linear_attn"]  # add gla with --rules ...,gla (one more run per seed)


def _settings(a):
    from lindsl.search.mqar import PRESETS, MQARTask, MQARTrain
    if a.dry:
        task = MQARTask(T=32, pairs=6, vocab=32, K=8, V=8)
        train = MQARTrain(d_model=32, n_layers=2, steps=40, batch=16, lr=3e-3, eval_batch=64, chunk_size=16,
                          A_range=(0.1, 1.0), decay_1d=False, device="cpu")
    else:
        task, train = PRESETS["gpu"]
    over = {k: getattr(a, k) for k in ("T", "pairs", "vocab", "K") if getattr(a, k) is not None}
    if "K" in over:
        over["V"] = over["K"]
    task = replace(task, **over)
    tover = {k: getattr(a, k) for k in ("steps", "lr", "batch", "d_model") if getattr(a, k) is not None}
    if a.A_range:
        tover["A_range"] = tuple(float(x) for x in a.A_range.split(","))
    if a.device:
        tover["device"] = a.device
    return task, replace(train, **tover)


def _worker_init():
    import torch
    torch.set_num_threads(1)
    if torch.cuda.is_available():
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True


def _run(rule, seed, task, train, deadline, quiet, margin):
    """One training run in a worker process; returns its row."""
    from lindsl.search.mqar import train_mqar
    t0 = time.time()
    if time.time() > deadline - margin:
        return {"rule": rule, "seed": seed, "skipped": "time budget spent before the run started"}
    cfg = replace(train, seed=seed)
    last = [time.time()]

    def progress(s, n, loss):
        if not quiet and (time.time() - last[0] > 15 or s == n):
            last[0] = time.time()
            print(f"  {rule:15s} seed {seed} step {s:5d}/{n} loss {loss:.3f} ({time.time() - t0:.0f}s)", flush=True)
    try:
        res = train_mqar(rule, task, cfg, progress=progress, deadline=deadline)
    except Exception as e:  # noqa: BLE001 - recorded as the run's result; the other runs go on
        return {"rule": rule, "seed": seed, "error": f"{type(e).__name__}: {e}"[:500]}
    res.update(rule=rule, seed=seed, wall_s=time.time() - t0, truncated=res["steps_done"] < cfg.steps)
    return res


def _probe(rule, task, train, n):
    """Time training steps of one rule in a worker (after the first steps, which build the model and compile the
    kernels); every worker runs one probe at the same time, so the time includes the sharing of the GPU."""
    from lindsl.search.mqar import train_mqar
    marks = []
    try:
        train_mqar(rule, task, replace(train, steps=n, eval_batch=8, seed=999),
                   progress=lambda s, _n, _loss: marks.append((s, time.time())))
    except Exception as e:  # noqa: BLE001
        return {"rule": rule, "error": f"{type(e).__name__}: {e}"[:500]}
    if len(marks) < 2:
        return {"rule": rule, "error": f"probe: {len(marks)} timing mark(s) in {n} steps"}
    (s0, t0), (s1, t1) = marks[len(marks) // 2 - 1], marks[-1]
    return {"rule": rule, "step_s": (t1 - t0) / max(1, s1 - s0)}


def _summary(rows, rules):
    out = {}
    for r in rules:
        accs = [x["accuracy"] for x in sorted(rows, key=lambda x: x["seed"]) if x["rule"] == r and "accuracy" in x]
        if accs:
            out[r] = {"n": len(accs), "mean": statistics.fmean(accs),
                      "std": statistics.stdev(accs) if len(accs) > 1 else 0.0,
                      "min": min(accs), "max": max(accs),
                      "per_seed": {x["seed"]: x["accuracy"] for x in rows if x["rule"] == r and "accuracy" in x}}
    return out


def _verdict(summ, good="gated_deltanet", weak="linear_attn"):
    if good not in summ or weak not in summ:
        return None
    g, w = summ[good], summ[weak]
    # Welch's t statistic; with 5 seeds a |t| above ~2.8 is a two-sided 5 % difference (4 degrees of freedom)
    se = math.sqrt(g["std"] ** 2 / g["n"] + w["std"] ** 2 / w["n"]) if g["n"] > 1 and w["n"] > 1 else float("nan")
    t = (g["mean"] - w["mean"]) / se if se and se > 0 else float("nan")
    return {"good": good, "weak": weak, "diff": g["mean"] - w["mean"], "welch_t": t,
            "every_good_seed_above_every_weak_seed": g["min"] > w["max"]}


def _table(summ, rules, seeds):
    head = f"{'rule':16s} {'n':>2s} {'mean':>6s} {'std':>6s}  " + " ".join(f"{'s' + str(s):>6s}" for s in seeds)
    lines = [head, "-" * len(head)]
    for r in rules:
        if r not in summ:
            lines.append(f"{r:16s}  (no finished run)")
            continue
        x = summ[r]
        per = " ".join(f"{x['per_seed'][s]:6.3f}" if s in x["per_seed"] else f"{'-':>6s}" for s in seeds)
        lines.append(f"{r:16s} {x['n']:2d} {x['mean']:6.3f} {x['std']:6.3f}  {per}")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=os.environ.get("OUT", "mqar_gpu_out"), help="folder for mqar_gpu.json")
    p.add_argument("--dry", action="store_true", help="CPU smoke test with tiny sizes (< 1 minute)")
    p.add_argument("--rules", default=",".join(RULES), help="comma-separated library specs")
    p.add_argument("--seeds", type=int, default=None, help="seeds per rule (default 5; --dry 2)")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: one per run, at most 24; "
                                                              "--dry 2)")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds for the whole call; runs stop at the budget and report what they reached "
                        "(default 300, --dry 50); the call ends within about 30 s after it")
    p.add_argument("--device", default=None, help="default cuda (cpu for --dry)")
    for k, ty in (("T", int), ("pairs", int), ("vocab", int), ("K", int), ("steps", int), ("lr", float),
                  ("batch", int), ("d_model", int)):
        p.add_argument(f"--{k.replace('_', '-')}", dest=k, type=ty, default=None, help="override the preset")
    p.add_argument("--A-range", dest="A_range", default=None, help="decay rate init range lo,hi (preset 0.1,1)")
    p.add_argument("--quiet", action="store_true", help="no per-step progress lines")
    p.add_argument("--no-probe", action="store_true",
                   help="keep the preset's steps (default: time the steps first and lower the steps, the same for "
                        "every rule, so that the runs end within the budget)")
    a = p.parse_args(argv)
    t_start = time.time()
    budget = a.budget if a.budget is not None else (50.0 if a.dry else 300.0)
    deadline = t_start + budget
    rules = [r for r in a.rules.split(",") if r]
    n_seeds = a.seeds if a.seeds is not None else (2 if a.dry else 5)
    seeds = list(range(n_seeds))
    task, train = _settings(a)
    if not a.dry and train.device.startswith("cuda"):
        import torch
        if not torch.cuda.is_available():
            print("no CUDA device: run with --dry (CPU) or on a GPU", file=sys.stderr)
            return 2
    jobs = [(r, s) for s in seeds for r in rules]
    # one round by default: every run at the same time, so every run shares the GPU and the CPU alike
    workers = a.workers or (2 if a.dry else min(len(jobs), 24))
    out_dir = Path(a.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    out_path = out_dir / ("mqar_gpu_dry.json" if a.dry else "mqar_gpu.json")
    meta = {"task": asdict(task), "train": asdict(train), "rules": rules, "seeds": seeds, "workers": workers,
            "budget_s": budget, "dry": a.dry, "argv": sys.argv[1:], "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    try:
        import torch
        meta["torch"] = torch.__version__
        if torch.cuda.is_available() and not a.dry:
            meta["gpu"] = torch.cuda.get_device_name()
    except Exception:  # noqa: BLE001
        pass
    print(f"MQAR {task.label} vocab {task.vocab}: d_model {train.d_model}, {train.n_layers} layers, {train.steps} steps,"
          f" batch {train.batch}, lr {train.lr}, A_range {train.A_range}, device {train.device}; {len(rules)} rules x "
          f"{len(seeds)} seeds on {workers} workers, budget {budget:.0f}s -> {out_path}", flush=True)
    rows = []

    def dump(final=False):
        summ = _summary(rows, rules)
        doc = {**meta, "elapsed_s": time.time() - t_start, "finished": final, "rows": rows, "summary": summ,
               "separation": _verdict(summ)}
        tmp = out_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=1, default=str))
        os.replace(tmp, out_path)
        return summ

    dump()
    ex = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_worker_init)
    if not a.no_probe:
        n_probe = 10 if a.dry else 75
        print(f"probe: {workers} workers start, build and compile, then time {n_probe} steps each", flush=True)
        pf = [ex.submit(_probe, rules[i % len(rules)], task, train, n_probe) for i in range(workers)]
        probes = []
        for i, f in enumerate(pf):
            try:
                probes.append(f.result(timeout=max(1.0, t_start + 0.6 * budget - time.time())))
            except FutureTimeout:
                probes.append({"rule": rules[i % len(rules)], "error": "probe unfinished at 60 % of the budget"})
        meta["probe"] = probes
        bad = {x["rule"]: x["error"] for x in probes if "error" in x}
        for r, err in bad.items():
            print(f"probe: {r} failed: {err}", flush=True)
        times = [x["step_s"] for x in probes if "step_s" in x]
        if times:
            rounds = math.ceil(len(jobs) / workers)
            avail = (deadline - time.time() - 15) / rounds - 10  # per run: model build and evaluation
            fit = int(avail / (max(times) * 1.15))
            steps = min(train.steps, max(fit // 100 * 100, min(train.steps, 100)))
            meta["steps_fit"], meta["preset_steps"] = fit, train.steps
            print(f"probe: {max(times) * 1e3:.0f} ms per step (slowest rule, {workers} runs at once) at "
                  f"{time.time() - t_start:.0f}s; {fit} steps fit in {rounds} round(s): training "
                  f"{steps} steps (preset {train.steps})", flush=True)
            if steps < train.steps:
                print(f"WARNING: fewer steps than the preset's {train.steps}: the runs may not converge", flush=True)
            train = replace(train, steps=steps)
            meta["train"] = asdict(train)
        dump()
    futs = {ex.submit(_run, r, s, task, train, deadline, a.quiet, min(20.0, 0.1 * budget)): (r, s) for r, s in jobs}
    pending = set(futs)
    hard = deadline + 30  # evaluation of runs stopped at the deadline
    while pending:
        done, pending = wait(pending, timeout=max(1.0, hard - time.time()), return_when=FIRST_COMPLETED)
        for f in done:
            r, s = futs[f]
            try:
                row = f.result()
            except Exception as e:  # noqa: BLE001 - a worker died
                row = {"rule": r, "seed": s, "error": f"{type(e).__name__}: {e}"[:500]}
            rows.append(row)
            dump()
            if "accuracy" in row:
                print(f"[{time.time() - t_start:5.0f}s] {r:15s} seed {s}: accuracy {row['accuracy']:.3f} loss "
                      f"{row['loss']:.3f} ({row['steps_done']} steps{', cut by the budget' if row['truncated'] else ''}"
                      f", {row['wall_s']:.0f}s)", flush=True)
            else:
                print(f"[{time.time() - t_start:5.0f}s] {r:15s} seed {s}: {row.get('error') or row.get('skipped')}",
                      flush=True)
        if pending and time.time() > hard:
            print(f"budget: {len(pending)} run(s) unfinished at {time.time() - t_start:.0f}s; stopping them", flush=True)
            for f in pending:
                r, s = futs[f]
                f.cancel()
                rows.append({"rule": r, "seed": s, "skipped": "unfinished at the hard time limit"})
            for proc in list(getattr(ex, "_processes", {}).values()):  # the pool's own worker processes
                proc.kill()
            break
    ex.shutdown(wait=False, cancel_futures=True)
    summ = dump(final=True)
    print()
    print(f"MQAR {task.label}, vocabulary {task.vocab}, state {next((x['state_size'] for x in rows if 'state_size' in x), '?')}"
          f" floats per sequence for every rule; {train.steps} steps; accuracy on {train.eval_batch} held-out sequences")
    print(_table(summ, rules, seeds))
    v = _verdict(summ)
    if v:
        print(f"\n{v['good']} - {v['weak']}: {v['diff']:+.3f} (Welch t {v['welch_t']:.2f}); every {v['good']} seed above "
              f"every {v['weak']} seed: {v['every_good_seed_above_every_weak_seed']}")
    trunc = sum(1 for x in rows if x.get("truncated"))
    if trunc:
        print(f"{trunc} run(s) were cut by the time budget (their rows say steps_done)")
    print(f"total {time.time() - t_start:.0f}s; {out_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
