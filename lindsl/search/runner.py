"""The search loop: parents -> mutation / crossover -> static checks -> verification -> scoring, all in SQLite.

Candidate i of a run is generated from a random stream seeded with (seed, i) and the candidates finished before it,
so a resumed run continues where it stopped; a candidate interrupted mid-evaluation is evaluated again.
"""
from __future__ import annotations

import json
import math
import os
import random
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field

import torch

from ..dimexpr import sized
from ..errors import LinError
from ..frontend import parse_spec
from ..frontend.printer import to_lin
from ..ir import Spec
from .db import DB, FINAL, ir_key
from .mqar import PRESETS, MQARTask, MQARTrain, train_mqar
from .mutate import MUTATIONS, NotApplicable, crossover, mutate
from .static import static_checks


@dataclass
class SearchConfig:
    parents: list[str] = field(default_factory=lambda: ["gla"])
    n: int = 50
    seed: int = 0
    baselines: list[str] = field(default_factory=lambda: ["gated_deltanet", "linear_attn"])
    # MQAR with key overwrites, one layer, 1600 steps (PRESETS["overwrite"]): the CPU setting whose seeds separate
    # Gated DeltaNet from linear attention (benchmarks/RESULTS.md); PRESETS["cpu"] is plain MQAR
    tasks: list[dict] = field(default_factory=lambda: [asdict(PRESETS["overwrite"][0])])
    train: dict = field(default_factory=lambda: asdict(PRESETS["overwrite"][1]))
    crossover_rate: float = 0.2
    mqar: bool = True
    mqar_seeds: int = 1  # training runs per task (different seeds); the scores are averaged
    verify_T: int = 20

    def to_json(self) -> dict:
        return asdict(self)

    @staticmethod
    def from_json(d: dict) -> "SearchConfig":
        return SearchConfig(**d)


class Progress:
    """Plain-stderr progress: one line per event; on a terminal the current line is redrawn in place."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream, self.t0 = total, stream, time.time()
        self.tty = getattr(stream, "isatty", lambda: False)()
        self.done = 0

    def bar(self) -> str:
        w = 20
        filled = int(w * self.done / max(1, self.total))
        el = time.time() - self.t0
        eta = el / self.done * (self.total - self.done) if self.done else math.nan
        return f"[{'#' * filled}{'.' * (w - filled)}] {self.done}/{self.total} {el:5.0f}s eta {eta:5.0f}s"

    def status(self, text: str) -> None:
        if self.tty:
            self.stream.write(f"\r\x1b[2K{self.bar()} {text}"[:200])
            self.stream.flush()

    def log(self, text: str) -> None:
        self.stream.write(("\r\x1b[2K" if self.tty else "") + f"{self.bar()} {text}\n")
        self.stream.flush()


def _spec_of(name: str) -> Spec:
    from ..runtime.op import spec_from
    return spec_from(name)


def evaluate(db: DB, cid: int, spec: Spec, cfg: SearchConfig, progress: Progress) -> str:
    """Static checks, verification, scoring of one candidate; returns its final status."""
    from ..check import compare
    from ..runtime.op import load
    sizes = sized(spec, lambda d: 16)
    t0 = time.perf_counter()
    results, _ = static_checks(spec, sizes)
    dt = time.perf_counter() - t0
    for r in results:
        db.add_check(cid, r.name, r.ok, r.detail, dt / len(results))
    bad = [r for r in results if not r.ok]
    if bad:
        db.set_status(cid, "rejected")
        return "rejected: " + "; ".join(f"{r.name}: {r.detail}" for r in bad)
    stage = "verify"
    try:
        t0 = time.perf_counter()
        op = load(spec)
        comps = compare(op, B=1, T=cfg.verify_T, H=2, chunk=16, dtype=torch.float64)
        worst = max(c.err for c in comps)
        ok = all(c.ok for c in comps)
        detail = f"fp64 T={cfg.verify_T} chunk 16 with h0, fwd+bwd vs naive: max rel err {worst:.1e} over " \
                 f"{len(comps)} tensors" + ("" if ok else "; FAIL: " + ", ".join(c.name for c in comps if not c.ok))
        db.add_check(cid, "verify", ok, detail, time.perf_counter() - t0)
        if not ok:
            db.set_status(cid, "failed")
            return "failed verification: " + detail
        stage = "throughput"
        tput, label = throughput(op)
        db.add_score(cid, "throughput", tput, label)
        if cfg.mqar:
            stage = "mqar"
            for td in cfg.tasks:
                task = MQARTask(**td)
                for k in range(cfg.mqar_seeds):
                    train = MQARTrain(**{**cfg.train, "seed": cfg.train.get("seed", 0) + k})
                    res = train_mqar(op, task, train, progress=lambda s, n, loss: progress.status(
                        f"{spec.name} mqar {task.label} seed {train.seed} step {s}/{n} loss {loss:.3f}"))
                    db.add_score(cid, "mqar_acc", res["accuracy"], task.label, {**res, "seed": train.seed})
    except (LinError, FloatingPointError, RuntimeError, ValueError) as e:
        db.add_error(cid, stage, f"{type(e).__name__}: {e}")
        db.set_status(cid, "failed")
        return f"failed ({stage}): {type(e).__name__}: {str(e).splitlines()[0][:200]}"
    db.set_status(cid, "scored")
    return "scored"


def throughput(op) -> tuple[float, str]:
    """Tokens/s of the op's forward + backward at a fixed shape (GPU if present, else the CPU engine; labelled)."""
    from ..check import default_sizes, random_inputs
    cuda = torch.cuda.is_available()
    B, T, H, KV = (4, 2048, 8, 64) if cuda else (1, 256, 2, 32)
    sizes = default_sizes(op.spec, K=KV, V=KV, M=4)
    dev = "cuda" if cuda else "cpu"
    args = random_inputs(op.spec, B, T, H, sizes, torch.float32 if not cuda else torch.bfloat16, device=dev)
    for a in args.values():
        a.requires_grad_(True)

    def run():
        out, _ = op(*args.values())
        (out[0] if isinstance(out, tuple) else out).float().square().mean().backward()
    run()
    times = []
    for _ in range(3):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        run()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    t = sorted(times)[1]
    label = f"{'GPU ' + torch.cuda.get_device_name() if cuda else 'CPU'} {op.last_backend} fwd+bwd B={B} T={T} " \
            f"H={H} K=V={KV}"
    return B * T / t, label


def _pick_parent(rng: random.Random, pool: list, k: int = 3):
    """Tournament selection: the best mean MQAR accuracy among k random scored candidates."""
    contenders = rng.sample(pool, min(k, len(pool)))
    return max(contenders, key=lambda r: (r["mqar"] if r["mqar"] is not None else -1.0))


def _make_child(db: DB, run_id: int, idx: int, cfg: SearchConfig):
    rng = random.Random(f"{cfg.seed}:{idx}")
    pool = db.scored(run_id) if cfg.mqar else db.rows(
        "SELECT c.*, NULL AS mqar FROM candidates c WHERE run_id = ? AND status = 'scored'", (run_id,))
    roots = [r for r in pool if r["operator"] == "root"]
    pool = [r for r in pool if r["operator"] != "baseline"] or roots
    if not pool:
        raise ValueError("no scored parent to mutate (did the parents fail their checks? see the leaderboard)")
    for _ in range(60):
        p1 = _pick_parent(rng, pool)
        a = parse_spec(p1["spec"], f"<{p1['name']}>")
        try:
            if len(pool) > 1 and rng.random() < cfg.crossover_rate:
                p2 = _pick_parent(rng, [r for r in pool if r["id"] != p1["id"]])
                child, desc = crossover(a, parse_spec(p2["spec"], f"<{p2['name']}>"), rng)
                parents, opname, names = (p1["id"], p2["id"]), "crossover", f"{p1['name']}, {p2['name']}"
            else:
                opname = rng.choice(sorted(MUTATIONS))
                child, desc = mutate(a, opname, rng)
                parents, names = (p1["id"], None), p1["name"]
        except NotApplicable:
            continue
        child.name = f"c{idx:03d}"
        key = ir_key(child)
        if db.has_key(run_id, key):
            continue
        text = to_lin(child, header=f"{opname}: {desc}\nparents: {names}")
        return parse_spec(text, f"<c{idx:03d}>"), text, key, parents, opname, desc
    raise ValueError(f"no new candidate after 60 attempts at index {idx} (every edit was inapplicable or seen)")


EAGER_IN_SEARCH = ("LINDSL_TUNE_PROLOGUE", "LINDSL_TUNE_BWD_GLUE")


def search(db_path: str, cfg: SearchConfig | None = None, resume: bool = False, stream=sys.stderr) -> int:
    """Run (or resume) a search; returns the run id. Candidates run with the eager prologue (and so the eager
    epilogue) and eager backward glue unless LINDSL_TUNE_PROLOGUE / LINDSL_TUNE_BWD_GLUE say otherwise:
    torch.compile's seconds per spec would dominate a loop over many rules."""
    unset = [name for name in EAGER_IN_SEARCH if name not in os.environ]
    for name in unset:
        os.environ[name] = "eager"
    db = DB(db_path)
    try:
        if resume:
            row = db.last_run()
            if row is None:
                raise ValueError(f"{db_path} has no run to resume")
            run_id, cfg = row["id"], SearchConfig.from_json(json.loads(row["config"]))
        else:
            run_id = db.new_run(cfg.to_json())
        roots = [(n, "root") for n in cfg.parents] + [(n, "baseline") for n in cfg.baselines if n not in cfg.parents]
        prog = Progress(cfg.n + len(roots), stream)
        for i, (name, kind) in enumerate(roots):
            idx = -(i + 1)
            row = db.candidate(run_id, idx)
            if row is None:
                spec = _spec_of(name)
                text = to_lin(spec, header=f"{kind}: {name}")
                cid = db.add_candidate(run_id, idx, spec.name, text, ir_key(spec), operator=kind, description=name)
            elif row["status"] in FINAL:
                prog.done += 1
                continue
            else:
                cid = row["id"]
                db.reset(cid)
            spec = parse_spec(db.rows("SELECT spec FROM candidates WHERE id = ?", (cid,))[0]["spec"], f"<{name}>")
            res = _evaluate_recorded(db, cid, spec, cfg, prog)
            prog.done += 1
            prog.log(f"{kind} {name}: {res}{_summary(db, cid)}")
        for idx in range(cfg.n):
            row = db.candidate(run_id, idx)
            if row is not None and row["status"] in FINAL:
                prog.done += 1
                continue
            if row is not None:
                cid = row["id"]
                db.reset(cid)
                spec, desc = parse_spec(row["spec"], f"<{row['name']}>"), row["description"]
            else:
                spec, text, key, parents, opname, desc = _make_child(db, run_id, idx, cfg)
                cid = db.add_candidate(run_id, idx, spec.name, text, key, parents, opname, desc)
            res = _evaluate_recorded(db, cid, spec, cfg, prog)
            prog.done += 1
            prog.log(f"{spec.name} {desc}: {res}{_summary(db, cid)}")
        db.finish_run(run_id)
        return run_id
    finally:
        db.close()
        for name in unset:
            os.environ.pop(name, None)


def _evaluate_recorded(db: DB, cid: int, spec: Spec, cfg: SearchConfig, prog: Progress) -> str:
    """evaluate(), with any unexpected exception recorded (traceback in errors) as a failed candidate."""
    try:
        return evaluate(db, cid, spec, cfg, prog)
    except Exception as e:  # noqa: BLE001 - recorded with its traceback; the search goes on
        db.add_error(cid, "internal", traceback.format_exc())
        db.set_status(cid, "failed")
        return f"failed (internal error {type(e).__name__}: {e})"


def _summary(db: DB, cid: int) -> str:
    rows = db.rows("SELECT metric, value, label FROM scores WHERE candidate_id = ?", (cid,))
    parts = [f"{r['label']} {r['value']:.3f}" for r in rows if r["metric"] == "mqar_acc"]
    parts += [f"{r['value']:.0f} tok/s" for r in rows if r["metric"] == "throughput"]
    return (" | " + ", ".join(parts)) if parts else ""
