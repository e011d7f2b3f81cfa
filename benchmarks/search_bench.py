"""Search targets (issue 6): spec -> verified time per candidate, static-check pass rate of mutated candidates,
and the summary of a finished search database (wall time, MQAR of the known-good vs known-weak baselines).

    python benchmarks/search_bench.py --candidates 40 --walk 300 [--db runs.db]

Verification = parse + static checks + compile (fresh cache: generate and import the module) + chunkwise vs naive
in fp64, forward and every gradient, B=1 T=20 H=2, chunk 16 (what `lindsl search` runs per candidate).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path


def machine() -> dict:
    import torch
    return {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "torch": torch.__version__, "python": platform.python_version(),
            "load_avg": os.getloadavg()[0], "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None}


def walk(n: int, seed: int = 0) -> tuple[list, dict]:
    """n mutated candidates by a random walk from GLA (each child mutates a random earlier candidate or crosses two);
    returns [(spec, operator)] and the counts of operators that did not apply."""
    from lindsl.frontend import parse_file
    from lindsl.runtime.op import library_path
    from lindsl.search import MUTATIONS, NotApplicable, crossover, mutate
    from lindsl.search.db import ir_key
    rng = random.Random(seed)
    pool = [parse_file(library_path("gla"))]
    seen = {ir_key(pool[0])}
    out, misses = [], {}
    while len(out) < n:
        a = rng.choice(pool)
        try:
            if len(pool) > 1 and rng.random() < 0.2:
                child, _ = crossover(a, rng.choice(pool), rng)
                op = "crossover"
            else:
                op = rng.choice(sorted(MUTATIONS))
                child, _ = mutate(a, op, rng)
        except NotApplicable:
            misses[op] = misses.get(op, 0) + 1
            continue
        k = ir_key(child)
        if k in seen:
            continue
        seen.add(k)
        child.name = f"w{len(out):03d}"
        pool.append(child)
        out.append((child, op))
    return out, misses


def bench_verify(cands) -> list[dict]:
    import torch
    from lindsl.check import compare
    from lindsl.frontend import parse_spec
    from lindsl.frontend.printer import to_lin
    from lindsl.runtime.op import load
    from lindsl.search.static import static_checks
    rows = []
    for spec, op in cands:
        text = to_lin(spec)
        t0 = time.perf_counter()
        s = parse_spec(text)
        res, _ = static_checks(s)
        t1 = time.perf_counter()
        if not all(r.ok for r in res):
            rows.append({"name": s.name, "op": op, "static_ok": False, "static_s": t1 - t1})
            continue
        o = load(s, cache=False)
        t2 = time.perf_counter()
        comps = compare(o, B=1, T=20, H=2, chunk=16, dtype=torch.float64)
        t3 = time.perf_counter()
        rows.append({"name": s.name, "op": op, "static_ok": True, "ok": all(c.ok for c in comps),
                     "err": max(c.err for c in comps), "static_s": t1 - t0, "compile_s": t2 - t1,
                     "compare_s": t3 - t2, "total_s": t3 - t0})
    return rows


def db_summary(path: str) -> dict:
    con = sqlite3.connect(path)
    con.row_factory = sqlite3.Row
    run = con.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()
    cands = con.execute("SELECT * FROM candidates WHERE run_id = ?", (run["id"],)).fetchall()
    statuses = {}
    for c in cands:
        if c["idx"] >= 0:
            statuses[c["status"]] = statuses.get(c["status"], 0) + 1
    t0 = min(c["created"] for c in cands)
    t1 = max(c["finished"] or c["created"] for c in cands)
    mqar = {}
    for r in con.execute("SELECT c.name, c.operator, s.label, s.value, s.detail FROM scores s JOIN candidates c "
                         "ON c.id = s.candidate_id WHERE c.run_id = ? AND s.metric = 'mqar_acc'", (run["id"],)):
        if r["operator"] in ("root", "baseline"):
            mqar.setdefault(r["name"], {})[r["label"]] = (r["value"], json.loads(r["detail"])["state_size"])
    static = con.execute("SELECT COUNT(DISTINCT c.id) FROM candidates c JOIN checks k ON k.candidate_id = c.id "
                         "WHERE c.run_id = ? AND c.idx >= 0 AND k.ok = 0 AND k.name != 'verify'",
                         (run["id"],)).fetchone()[0]
    n = sum(statuses.values())
    return {"run": run["id"], "candidates": n, "statuses": statuses, "wall_s": t1 - t0,
            "static_pass_rate": (n - static) / n if n else None, "baselines_mqar": mqar}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidates", type=int, default=40, help="mutated candidates to verify")
    ap.add_argument("--walk", type=int, default=300, help="mutated candidates for the static pass rate")
    ap.add_argument("--db", default=None, help="a finished `lindsl search` database to summarise")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    import torch
    torch.set_num_threads(1)
    os.environ["LINDSL_CACHE"] = tempfile.mkdtemp(prefix="lindsl_bench_")
    from lindsl.search.static import static_checks
    out = {"machine": machine()}
    t0 = time.perf_counter()
    cands, misses = walk(a.walk)
    gen_s = time.perf_counter() - t0
    passed = sum(all(r.ok for r in static_checks(s)[0]) for s, _ in cands)
    ops = {}
    for _, op in cands:
        ops[op] = ops.get(op, 0) + 1
    out["static"] = {"candidates": len(cands), "passed": passed, "rate": passed / len(cands),
                     "generate_s_per_candidate": gen_s / len(cands), "operators": ops, "not_applicable": misses}
    rows = bench_verify(cands[:a.candidates])
    ver = [r for r in rows if r.get("static_ok")]
    tot = [r["total_s"] for r in ver]
    out["verify"] = {"candidates": len(ver), "all_ok": all(r["ok"] for r in ver), "max_err": max(r["err"] for r in ver),
                     "mean_s": statistics.mean(tot), "median_s": statistics.median(tot), "max_s": max(tot),
                     "mean_compile_s": statistics.mean(r["compile_s"] for r in ver),
                     "mean_compare_s": statistics.mean(r["compare_s"] for r in ver)}
    if a.db:
        out["search"] = db_summary(a.db)
    print(json.dumps(out, indent=1))
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
