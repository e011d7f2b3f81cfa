"""`lindsl search` and `lindsl leaderboard` (registered by lindsl/cli.py)."""
from __future__ import annotations

import json
import sqlite3
import sys
from dataclasses import asdict
from pathlib import Path

from .db import DB


def add_commands(sub) -> None:
    s = sub.add_parser("search", help="search over rules: mutate a parent, check, verify and score (MQAR, throughput)")
    s.add_argument("--parent", default="gla", help="comma-separated library names or .lin paths (default gla)")
    s.add_argument("--n", type=int, default=50, help="candidates to generate (default 50)")
    s.add_argument("--db", default="runs.db", help="SQLite database (default runs.db)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--resume", action="store_true", help="continue the last run in --db with its settings")
    s.add_argument("--baselines", default="gated_deltanet,linear_attn",
                   help="specs scored alongside for reference (comma-separated; '' for none)")
    s.add_argument("--steps", type=int, default=None, help="MQAR training steps per task")
    s.add_argument("--tasks", default=None,
                   help="MQAR tasks as T:pairs:K[:overwrite][,...] (vocabulary 32; overwrite: that many keys "
                        "re-assigned a new value before the queries, which ask the latest value; default: the "
                        "'overwrite' preset's 32:4:8:4)")
    s.add_argument("--seeds", type=int, default=1, help="MQAR training runs per task, averaged (default 1)")
    s.add_argument("--mqar-preset", choices=["cpu", "overwrite", "gpu"], default="overwrite",
                   help="MQAR task and training of lindsl.search.mqar.PRESETS: 'overwrite' (the default: T=32, 4 "
                        "pairs, then all 4 keys re-assigned; queries ask the latest value; one layer, 1600 steps on "
                        "the CPU: benchmarks/mqar_overwrite.py), 'cpu' (plain MQAR, T=32, 6 pairs, 2 layers, 800 "
                        "steps) or 'gpu' (T=256, 32 pairs, K=16, 2000 steps on CUDA: benchmarks/mqar_gpu.py); "
                        "--steps and --tasks override it")
    s.add_argument("--no-mqar", action="store_true", help="static checks, verification and throughput only")
    s.set_defaults(fn=cmd_search)
    lb = sub.add_parser("leaderboard", help="rank the candidates of a search database")
    lb.add_argument("--db", default="runs.db")
    lb.add_argument("--run", type=int, default=None, help="run id (default: the last)")
    lb.add_argument("--top", type=int, default=20)
    lb.add_argument("--markdown", action="store_true", help="a Markdown table with each candidate's update")
    lb.set_defaults(fn=cmd_leaderboard)


def cmd_search(a) -> int:
    try:
        return _search(a)
    except KeyboardInterrupt:
        print(f"\ninterrupted; finished candidates are in {a.db}: lindsl search --resume --db {a.db}", file=sys.stderr)
        return 130
    except sqlite3.DatabaseError as e:
        raise ValueError(f"{a.db}: {e}") from None


def _search(a) -> int:
    from .mqar import PRESETS, MQARTask, MQARTrain
    from .runner import SearchConfig, search
    if a.resume:
        if not Path(a.db).exists():
            raise ValueError(f"--resume: no database {a.db}")
        run_id = search(a.db, resume=True)
    else:
        cfg = SearchConfig(parents=[p for p in a.parent.split(",") if p], n=a.n, seed=a.seed,
                           baselines=[b for b in a.baselines.split(",") if b], mqar=not a.no_mqar,
                           mqar_seeds=a.seeds)
        if a.n < 0 or a.seeds < 1:
            raise ValueError("--n must be >= 0 and --seeds >= 1")
        task, train = PRESETS[a.mqar_preset]
        cfg.tasks, cfg.train = [asdict(task)], asdict(train)
        if a.steps is not None:
            cfg.train = asdict(MQARTrain(**{**cfg.train, "steps": a.steps}))
        if a.tasks:
            tasks = []
            for t in a.tasks.split(","):
                try:
                    T, N, K, *ow = (int(x) for x in t.split(":"))
                    if len(ow) > 1:
                        raise ValueError
                except ValueError:
                    raise ValueError(f"--tasks: expected T:pairs:K or T:pairs:K:overwrite, got {t!r}") from None
                tasks.append(asdict(MQARTask(T=T, pairs=N, K=K, V=K, vocab=cfg.tasks[0]["vocab"],
                                             overwrite=ow[0] if ow else 0)))
            cfg.tasks = tasks
        if cfg.mqar:
            import torch
            from .mqar import mqar_batch
            for td in cfg.tasks:  # a setting the generator rejects fails here, not once per candidate
                mqar_batch(MQARTask(**td), 1, torch.Generator())
        run_id = search(a.db, cfg)
    print(leaderboard(a.db, run_id, top=10))
    return 0


def cmd_leaderboard(a) -> int:
    if not Path(a.db).exists():
        raise ValueError(f"no database {a.db}")
    try:
        print(leaderboard(a.db, a.run, a.top, a.markdown))
    except sqlite3.DatabaseError as e:
        raise ValueError(f"{a.db}: {e}") from None
    return 0


def leaderboard(db_path: str, run_id: int | None = None, top: int = 20, markdown: bool = False) -> str:
    """The candidates of a run ranked by mean MQAR accuracy, with status counts and the reasons of rejections."""
    db = DB(db_path)
    try:
        if run_id is None:
            row = db.last_run()
            if row is None:
                return f"{db_path}: no runs"
            run_id = row["id"]
        found = db.rows("SELECT config FROM runs WHERE id = ?", (run_id,))
        if not found:
            raise ValueError(f"{db_path} has no run {run_id}")
        cfg = json.loads(found[0]["config"])
        cands = db.rows("SELECT * FROM candidates WHERE run_id = ? ORDER BY idx", (run_id,))
        scores = {}
        for r in db.rows("SELECT s.* FROM scores s JOIN candidates c ON c.id = s.candidate_id WHERE c.run_id = ?",
                         (run_id,)):
            scores.setdefault(r["candidate_id"], []).append(r)
        tasks = sorted({r["label"] for rs in scores.values() for r in rs if r["metric"] == "mqar_acc"})
        rows = []
        for c in cands:
            ss = scores.get(c["id"], [])
            per = {}
            for r in ss:
                if r["metric"] == "mqar_acc":
                    per.setdefault(r["label"], []).append(r["value"])
            acc = {k: sum(v) / len(v) for k, v in per.items()}
            state = next((json.loads(r["detail"]).get("state_size") for r in ss if r["metric"] == "mqar_acc"), None)
            tput = next((r["value"] for r in ss if r["metric"] == "throughput"), None)
            mean = sum(acc.values()) / len(acc) if acc else None
            rows.append((c, acc, mean, tput, state))
        rows.sort(key=lambda x: (x[2] is None, -(x[2] or 0), -(x[3] or 0)))
        counts = {}
        for c in cands:
            if c["idx"] >= 0:
                counts[c["status"]] = counts.get(c["status"], 0) + 1
        label = next((r["label"] for rs in scores.values() for r in rs if r["metric"] == "throughput"), "")
        out = [f"run {run_id}: parents {','.join(cfg['parents'])}, {cfg['n']} candidates; "
               + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
               f"throughput: {label}" if label else None]
        head = ["rank", "name", "operator", "status"] + [f"MQAR {t}" for t in tasks] + ["mean", "tok/s", "state"]
        table = []
        for i, (c, acc, mean, tput, state) in enumerate(rows[:top]):
            table.append([str(i + 1), c["name"], c["operator"] or "", c["status"]]
                         + [f"{acc[t]:.3f}" if t in acc else "-" for t in tasks]
                         + [f"{mean:.3f}" if mean is not None else "-", f"{tput:.0f}" if tput else "-",
                            str(state) if state else "-"])
        if markdown:
            out.append("| " + " | ".join(head + ["change", "update"]) + " |")
            out.append("|" + "---|" * (len(head) + 2))
            for (c, *_), line in zip(rows[:top], table):
                upd = " ; ".join(ln for ln in c["spec"].splitlines() if " = " in ln and not ln.startswith(
                    ("option", "let", "#")) and not ln.startswith("out"))
                desc = (c["description"] or "").replace("|", "/")
                out.append("| " + " | ".join(line + [desc, f"`{upd}`"]) + " |")
            out.append("")
            for c, *_ in rows[:min(top, 5)]:
                out += [f"**{c['name']}**", "", "```", c["spec"].rstrip(), "```", ""]
        else:
            widths = [max(len(h), *(len(r[j]) for r in table)) if table else len(h) for j, h in enumerate(head)]
            out.append("  ".join(h.ljust(w) for h, w in zip(head, widths)))
            out += ["  ".join(x.ljust(w) for x, w in zip(r, widths)) for r in table]
        rejected = db.rows("SELECT c.name, k.name AS check_name, k.detail FROM candidates c JOIN checks k ON "
                           "k.candidate_id = c.id WHERE c.run_id = ? AND k.ok = 0", (run_id,))
        if rejected:
            out.append("rejected / failed checks:")
            out += [f"  {r['name']}: {r['check_name']}: {r['detail']}" for r in rejected]
        errors = db.rows("SELECT c.name, e.stage, e.message FROM candidates c JOIN errors e ON e.candidate_id = c.id "
                         "WHERE c.run_id = ?", (run_id,))
        if errors:
            out.append("errors:")
            out += [f"  {r['name']} ({r['stage']}): {r['message'].strip().splitlines()[-1][:200]}" for r in errors]
        return "\n".join(x for x in out if x is not None)
    finally:
        db.close()

