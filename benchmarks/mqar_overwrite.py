"""MQAR with key overwrites on the CPU: does it separate Gated DeltaNet (known good) from plain linear attention
(known weak) at the same state size, over several seeds?

    python3 benchmarks/mqar_overwrite.py --out x.jsonl   # every setting, 3 rules x 5 seeds (about 45 min, 1 core)
    python3 benchmarks/mqar_overwrite.py --setting ow_1layer_1600 --seeds 5 --rules gated_deltanet,linear_attn
    python3 benchmarks/mqar_overwrite.py --table benchmarks/raw/mqar_overwrite_2026-11-29_s5.jsonl  # print only

The task (lindsl.search.mqar.MQARTask with overwrite > 0): N key-value pairs (keys from one half of the vocabulary,
values from the other), then `overwrite` of those keys again, each with a new value different from its old one,
then queries over the N keys whose target is the key's latest value (-100 elsewhere). Linear attention's state is a
sum of outer products, S = sum_t k_t v_t^T, so reading an overwritten key returns (old value + new value) and the
two are symmetric to the readout: about half of the overwritten queries at best, unless the model learns to
cancel the old value itself. The delta rule replaces the association (S <- S - beta k k^T S + beta k v^T) and a
decay gate lets the older write fade, so both can return the new value.

Every run is lindsl.search.mqar.train_mqar (the search's scorer) with the same task and training for every rule;
one torch thread, runs one after another. Each finished run is appended to --out as one JSON line; at the end a
table gives each rule's mean, std and per-seed accuracy and whether the Gated DeltaNet seeds separate from linear
attention's (every Gated DeltaNet seed above linear attention's mean, and their minimum above linear attention's
maximum).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ["gated_deltanet", "deltanet", "linear_attn"]


def settings():
    """The settings of the seed table: the same task (4 pairs, then all 4 keys re-assigned) at the search's CPU
    training (2 layers, 800 steps), with one layer, and with one layer and 1600 steps, which is
    lindsl.search.mqar.PRESETS["overwrite"] (lindsl search --mqar-preset overwrite)."""
    from dataclasses import replace
    from lindsl.search.mqar import MQARTask, MQARTrain
    task, train = MQARTask(T=32, pairs=4, vocab=32, K=8, V=8, overwrite=4), MQARTrain()
    return {"ow_2layer_800": (task, train),
            # one layer: linear attention cannot cancel the old value with a second layer's read
            "ow_1layer_800": (task, replace(train, n_layers=1)),
            # one layer, twice the steps (about the cost of the two-layer 800-step run): the search's preset
            "ow_1layer_1600": (task, replace(train, n_layers=1, steps=1600))}


def run(setting: str, rules: list[str], seeds: list[int], out: Path | None, steps: int | None = None,
        quiet: bool = False) -> list[dict]:
    import torch
    from dataclasses import replace
    from lindsl.search.mqar import train_mqar
    torch.set_num_threads(1)
    task, train = settings()[setting]
    if steps is not None:
        train = replace(train, steps=steps)
    rows = []
    for seed in seeds:  # seed by seed, so a run cut short still has every rule on the first seeds
        for rule in rules:
            t0 = time.perf_counter()
            res = train_mqar(str(ROOT / "library" / f"{rule}.lin"), task, replace(train, seed=seed))
            row = {"setting": setting, "spec": rule, "seed": seed, "accuracy": res["accuracy"], "loss": res["loss"],
                   "state_size": res["state_size"], "seconds": time.perf_counter() - t0,
                   "train_seconds": res["train_seconds"], "task": res["task"], "task_cfg": asdict(task),
                   "train_cfg": asdict(replace(train, seed=seed)), "torch": torch.__version__}
            rows.append(row)
            if out is not None:
                with open(out, "a") as f:
                    f.write(json.dumps(row) + "\n")
            if not quiet:
                print(f"{setting} {rule:15s} seed {seed}: accuracy {row['accuracy']:.3f} loss {row['loss']:.3f} "
                      f"({row['seconds']:.1f} s, state {row['state_size']})", flush=True)
    return rows


def table(rows: list[dict]) -> str:
    out = []
    for setting in dict.fromkeys(r["setting"] for r in rows):
        rs = [r for r in rows if r["setting"] == setting]
        t = rs[0]["task_cfg"]
        tr = rs[0]["train_cfg"]
        out.append(f"## {setting}: {rs[0]['task']} (T={t['T']}, {t['pairs']} pairs, {t['overwrite']} overwritten, "
                   f"vocabulary {t['vocab']}, K=V={t['K']}), {tr['steps']} steps of batch {tr['batch']}, "
                   f"lr {tr['lr']}, d_model {tr['d_model']}, layers {tr['n_layers']}")
        out.append("| rule | state | mean ± std | seeds | per seed | s per run |")
        out.append("|---|---|---|---|---|---|")
        acc = {}
        for rule in dict.fromkeys(r["spec"] for r in rs):
            rr = sorted((r for r in rs if r["spec"] == rule), key=lambda r: r["seed"])
            a = [r["accuracy"] for r in rr]
            acc[rule] = a
            sd = statistics.stdev(a) if len(a) > 1 else 0.0
            sec = statistics.mean(r["seconds"] for r in rr)
            out.append(f"| {rule} | {rr[0]['state_size']} | {statistics.mean(a):.3f} ± {sd:.3f} | {len(a)} | "
                       + ", ".join(f"{r['seed']}: {r['accuracy']:.3f}" for r in rr) + f" | {sec:.1f} |")
        g, la = acc.get("gated_deltanet"), acc.get("linear_attn")
        if g and la:
            m = statistics.mean(la)
            above = sum(x > m for x in g)
            out.append(f"Gated DeltaNet seeds above linear attention's mean ({m:.3f}): {above} of {len(g)}; "
                       f"min Gated DeltaNet {min(g):.3f} vs max linear attention {max(la):.3f}: "
                       + ("separated" if above == len(g) and min(g) > max(la) else "not separated"))
        out.append("")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--setting", default=None, help="comma-separated settings (default: all)")
    p.add_argument("--rules", default=",".join(RULES))
    p.add_argument("--seeds", type=int, default=5, help="seeds 0..n-1 (default 5)")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=None, help="override the setting's training steps")
    p.add_argument("--out", default=None, help="append each run to this JSONL")
    p.add_argument("--table", default=None, help="print the table of a JSONL and exit")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args(argv)
    if a.table:
        print(table([json.loads(ln) for ln in open(a.table) if ln.strip()]))
        return 0
    names = a.setting.split(",") if a.setting else list(settings())
    unknown = [n for n in names if n not in settings()]
    if unknown:
        raise SystemExit(f"unknown setting(s) {unknown}; known: {list(settings())}")
    seeds = list(range(a.first_seed, a.first_seed + a.seeds))
    rows = []
    for name in names:
        rows += run(name, a.rules.split(","), seeds, Path(a.out) if a.out else None, a.steps, a.quiet)
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
