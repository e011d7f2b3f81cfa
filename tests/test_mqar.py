"""MQAR with key overwrites (MQARTask.overwrite): the batch generator, and the default task left unchanged."""
import hashlib

import pytest
import torch

from lindsl.search.mqar import PRESETS, MQARTask, MQARTrain, mqar_batch, train_mqar


def _check(task, ids, tgt):
    n, m, half = task.pairs, task.overwrite, task.vocab // 2
    q0 = 2 * (n + m)
    assert ids.shape == tgt.shape == (ids.shape[0], task.T) and ids.dtype == tgt.dtype == torch.long
    for b in range(ids.shape[0]):
        row = [int(x) for x in ids[b]]
        first = {row[2 * i]: row[2 * i + 1] for i in range(n)}
        assert len(first) == n and all(1 <= k < half for k in first)
        assert all(half <= v < task.vocab for v in first.values())
        again = [(row[2 * i], row[2 * i + 1]) for i in range(n, n + m)]
        # m distinct keys of the first n, each with a new value different from its old one
        assert len({k for k, _ in again}) == m and all(k in first and first[k] != v for k, v in again)
        assert all(half <= v < task.vocab for _, v in again)
        latest = {**first, **dict(again)}
        # queries: keys of the pairs; the target is the key's latest value; nothing asked before the queries
        for t in range(q0, task.T):
            assert row[t] in first and int(tgt[b, t]) == latest[row[t]]
        assert (tgt[b, :q0] == -100).all()


def test_overwrite_batch_targets_latest_value():
    task = MQARTask(T=24, pairs=4, vocab=16, overwrite=4)
    ids, tgt = mqar_batch(task, 64, torch.Generator().manual_seed(0))
    _check(task, ids, tgt)
    # every query asks an overwritten key here, so no target is the first value of its key
    first = {(b, int(ids[b, 2 * i])): int(ids[b, 2 * i + 1]) for b in range(64) for i in range(4)}
    assert all(int(tgt[b, t]) != first[(b, int(ids[b, t]))] for b in range(64) for t in range(16, 24))
    part = MQARTask(T=30, pairs=6, vocab=32, overwrite=2)
    ids, tgt = mqar_batch(part, 64, torch.Generator().manual_seed(1))
    _check(part, ids, tgt)
    assert task.label == "T24_N4_K8_ow4" and part.label == "T30_N6_K8_ow2"


def test_overwrite_batch_deterministic_and_seeded():
    task = MQARTask(T=24, pairs=4, vocab=16, overwrite=3)
    a = mqar_batch(task, 8, torch.Generator().manual_seed(5))
    b = mqar_batch(task, 8, torch.Generator().manual_seed(5))
    c = mqar_batch(task, 8, torch.Generator().manual_seed(6))
    assert all(torch.equal(x, y) for x, y in zip(a, b)) and not torch.equal(a[0], c[0])


def test_overwrite_rejects_bad_settings():
    for kw in [dict(T=24, pairs=4, overwrite=5),            # more overwrites than pairs
               dict(T=16, pairs=4, overwrite=4),            # no room for a query
               dict(T=24, pairs=4, overwrite=2, recent=2),  # not combined with recent
               dict(T=24, pairs=4, overwrite=2, format="pairs")]:
        with pytest.raises(ValueError):
            mqar_batch(MQARTask(**kw), 1, torch.Generator())


def test_default_task_unchanged():
    """The default task's batches are those of the generator before `overwrite` existed (same random stream)."""
    ids, tgt = mqar_batch(MQARTask(), 4, torch.Generator().manual_seed(0))
    digest = hashlib.sha256(ids.numpy().tobytes() + tgt.numpy().tobytes()).hexdigest()
    assert digest == "469120ad230e937070b1d5cc6d987688402fc0180c29e14600736da0a962efdf"
    assert MQARTask().label == "T32_N6_K8" and PRESETS["cpu"] == (MQARTask(), MQARTrain())


def test_overwrite_trains_a_few_steps():
    res = train_mqar("gated_deltanet", MQARTask(T=20, pairs=3, vocab=12, K=4, V=4, overwrite=3),
                     MQARTrain(d_model=16, n_layers=1, steps=3, batch=4, eval_batch=8))
    assert res["steps_done"] == 3 and 0.0 <= res["accuracy"] <= 1.0 and res["task_overwrite"] == 3


def test_search_cli_overwrite_preset_and_tasks(tmp_path):
    """--mqar-preset overwrite and --tasks T:pairs:K:overwrite store the overwrite task in the run's config; a task
    the generator rejects fails before the search starts."""
    import json
    import sqlite3
    from dataclasses import asdict

    from lindsl.cli import main
    db = str(tmp_path / "runs.db")
    assert main(["search", "--parent", "linear_attn", "--n", "0", "--baselines", "", "--no-mqar", "--db", db,
                 "--mqar-preset", "overwrite"]) == 0
    cfg = json.loads(sqlite3.connect(db).execute("SELECT config FROM runs ORDER BY id DESC").fetchone()[0])
    assert cfg["tasks"] == [asdict(PRESETS["overwrite"][0])] and cfg["tasks"][0]["overwrite"] == 4
    assert cfg["train"] == json.loads(json.dumps(asdict(PRESETS["overwrite"][1])))
    assert main(["search", "--parent", "linear_attn", "--n", "0", "--baselines", "", "--no-mqar", "--db", db,
                 "--tasks", "32:4:8:4,32:6:8"]) == 0
    cfg = json.loads(sqlite3.connect(db).execute("SELECT config FROM runs ORDER BY id DESC").fetchone()[0])
    assert [t["overwrite"] for t in cfg["tasks"]] == [4, 0]
    assert main(["search", "--parent", "linear_attn", "--n", "0", "--db", db, "--tasks", "32:4:8:5"]) == 2
    assert main(["search", "--parent", "linear_attn", "--n", "0", "--db", db, "--tasks", "32:4:8:1:1"]) == 2


def test_mqar_overwrite_benchmark_smoke(tmp_path):
    """benchmarks/mqar_overwrite.py: two training steps of one rule, a JSONL row, and the table read back."""
    import importlib
    import json
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        mod = importlib.import_module("mqar_overwrite")
    finally:
        sys.path.pop(0)
    out = tmp_path / "r.jsonl"
    assert mod.settings()["ow_1layer_1600"] == PRESETS["overwrite"]
    assert mod.main(["--setting", "ow_1layer_800", "--rules", "linear_attn", "--seeds", "1", "--steps", "2",
                     "--out", str(out), "--quiet"]) == 0
    row = json.loads(out.read_text())
    assert row["spec"] == "linear_attn" and row["train_cfg"]["steps"] == 2 and row["task_cfg"]["overwrite"] == 4
    assert "| linear_attn | 64 |" in mod.table([row])
