"""Search: the IR printer round trip, mutation and crossover (well-formed children), static checks with reasons,
the SQLite-backed loop (resume, leaderboard, CLI) and MQAR batches and a few training steps on a tiny model."""
from __future__ import annotations

import os
import random
import sqlite3
from dataclasses import asdict, replace
from pathlib import Path

import pytest
import torch

from lindsl.cli import main
from lindsl.frontend import parse_file, parse_spec
from lindsl.frontend.printer import spec_key, to_lin
from lindsl.ir import Spec, Var
from lindsl.runtime.op import load
from lindsl.search import MUTATIONS, NotApplicable, crossover, mutate, static_checks
from lindsl.search.mqar import MQARTask, MQARTrain, mqar_batch, train_mqar
from lindsl.search.runner import SearchConfig, search

ROOT = Path(__file__).resolve().parents[1]
LIB = sorted((ROOT / "library").glob("*.lin"))


@pytest.mark.parametrize("path", LIB + [ROOT / "examples" / "new_rule.lin"], ids=lambda p: p.stem)
def test_print_parse_round_trip(path):
    spec = parse_file(path)
    text = to_lin(spec)
    assert spec_key(parse_spec(text)) == spec_key(spec)
    assert to_lin(parse_spec(text)) == text


def test_printer_parenthesizes_what_the_grammar_needs():
    text = "lin p\ndim K, V\nin q[K], k[K], v[V]\nin a\nstate S[K, V]\nS = S + k (-(a * v))^T\n" \
           "out o = S^T (q * -a) - (S^T q - S^T k) + 2^(-a) * S^T q\n"
    spec = parse_spec(text)
    assert spec_key(parse_spec(to_lin(spec))) == spec_key(spec)


def test_every_mutation_yields_well_formed_children_that_pass_static_checks():
    specs = [parse_file(p) for p in LIB if p.stem != "rwkv7"]
    applied, passed = 0, 0
    seen_ops = set()
    for spec in specs:
        for op in MUTATIONS:
            try:
                child, desc = mutate(spec, op, random.Random(0))
            except NotApplicable:
                continue
            assert isinstance(child, Spec) and desc
            assert spec_key(parse_spec(to_lin(child))) == spec_key(child)
            assert spec_key(replace(child, name=spec.name)) != spec_key(spec)
            results, n = static_checks(child)
            applied += 1
            passed += all(r.ok for r in results)
            seen_ops.add(op)
    assert seen_ops == set(MUTATIONS) - {"add_normalizer"}
    assert applied > 80 and passed == applied


def test_mutations_do_what_they_say():
    gla = parse_file(ROOT / "library" / "gla.lin")
    child, _ = mutate(gla, "add_delta", random.Random(0))
    assert "S = diag(exp(g)) (I - beta * kn kn^T) S + beta * kn v^T" in to_lin(child)
    child, _ = mutate(gla, "route", random.Random(1))
    assert child.states[0].route is not None and child.states[0].ty.mem == "M"
    child, _ = mutate(gla, "gate_to_scalar", random.Random(0))
    assert child.input("g").ty.kind == "scalar" and "exp(g) * S" in to_lin(child)
    phi, _ = mutate(gla, "feature_map", random.Random(3))
    assert any(n.startswith("phi_") for n, _ in phi.lets)
    with pytest.raises(NotApplicable, match="already gated"):
        mutate(gla, "add_gate", random.Random(0))
    # a positive feature map on k and q makes the normalizer applicable
    la = parse_file(ROOT / "library" / "linear_attn_normalized.lin")
    with pytest.raises(NotApplicable):
        mutate(la, "add_normalizer", random.Random(0))
    text = "lin p\ndim K, V\nin q[K], k[K], v[V]\nlet fq = relu(q)\nlet fk = relu(k)\nstate S[K, V]\n" \
           "S = S + fk v^T\nout o = S^T fq\n"
    child, _ = mutate(parse_spec(text), "add_normalizer", random.Random(0))
    assert [s.name for s in child.states] == ["S", "z"] and "z^T fq + eps" in to_lin(child)


def test_expand_features_widens_the_keys_and_the_child_checks():
    """expand_features maps the key and every read of the state into a wider feature space with a new derived dim
    (Based's Taylor-2 map, Hedgehog's, [relu(x), relu(-x)]); the children compile and agree with the naive
    recurrence; a non-negative expansion makes the normalizer applicable; per-key gates refuse it."""
    from lindsl.check import check
    retnet = parse_file(ROOT / "library" / "retnet.lin")
    kinds = {}
    for seed in range(12):
        child, desc = mutate(retnet, "expand_features", random.Random(seed))
        kinds.setdefault(desc.rsplit(": ", 1)[1], child)
    assert set(kinds) == {"taylor2", "hedgehog", "relu_pm"}
    taylor = kinds["taylor2"]
    assert taylor.state("S").ty.dims == ("F", "V") and set(taylor.derived_dims) == {"K2", "F"}
    assert "cat(1, " in to_lin(taylor) and "kron(k, k)" in to_lin(taylor)
    assert kinds["relu_pm"].derived_dims == {"F": ((2, (("K", 1),)),)}
    for child in kinds.values():
        assert check(child, quick=True).ok, to_lin(child)
    normalized, _ = mutate(kinds["relu_pm"], "add_normalizer", random.Random(0))
    assert normalized.state("z").ty.dims == ("F",)
    with pytest.raises(NotApplicable, match="key-side factor"):
        mutate(parse_file(ROOT / "library" / "gla.lin"), "expand_features", random.Random(0))
    with pytest.raises(NotApplicable, match="does not fit"):  # GLA's per-key gate over K on keys widened to F
        crossover(kinds["hedgehog"], parse_file(ROOT / "library" / "gla.lin"), random.Random(0))


def test_crossover_brings_the_transition_and_its_names():
    gla = parse_file(ROOT / "library" / "gla.lin")
    gdn = parse_file(ROOT / "library" / "gated_deltanet.lin")
    child, desc = crossover(gla, gdn, random.Random(0))
    text = to_lin(child)
    assert "(I - beta * kn kn^T) S + k v^T" in text and "in beta: unit" in text and "let kn = l2norm(k)" in text
    assert "in g[K]" not in text  # gla's gate is gone, and with it its input
    assert all(r.ok for r in static_checks(child)[0])


def test_rwkv7_rejection_is_not_a_proof_artefact():
    """The stability check rejects RWKV-7 (and so its mutants): ||diag(exp(w)) - (kh * lr) kh^T|| exceeds 1 for
    inputs the spec allows (unit-norm kh, lr in [0, 1], w <= 0). One step of the library op from S_0 = I with
    w = 0, kappa = (1, 1), lr = (1, 0) and no input gives a state of norm sqrt((3 + sqrt(5)) / 4) = 1.144, though its
    eigenvalues stay in [0, 1]: RWKV-7's stability rests on the spectrum, which the norm criterion does not cover."""
    op = load("rwkv7")
    z = torch.zeros(1, 1, 1, 2, dtype=torch.float64)
    kappa = torch.tensor([1.0, 1.0], dtype=torch.float64).reshape(1, 1, 1, 2)
    lr = torch.tensor([1.0, 0.0], dtype=torch.float64).reshape(1, 1, 1, 2)
    S0 = torch.eye(2, dtype=torch.float64).reshape(1, 1, 2, 2)
    _, S1 = op(z, z, z, kappa, z, lr, initial_state=S0, output_final_state=True, backend="torch")
    assert torch.linalg.matrix_norm(S1[0, 0], ord=2) > 1.14
    assert torch.linalg.eigvals(S1[0, 0]).abs().max() <= 1 + 1e-12


def test_static_checks_reject_with_reasons():
    rwkv7 = parse_file(ROOT / "library" / "rwkv7.lin")
    res = {r.name: r for r in static_checks(rwkv7)[0]}
    assert res["causality"].ok and res["linear_cost"].ok and not res["stability"].ok
    assert "not shown <= 1" in res["stability"].detail
    gla = parse_file(ROOT / "library" / "gla.lin")
    future = replace(gla, outputs=[("o", Var("k", "input", 1))])
    res = {r.name: r for r in static_checks(future)[0]}
    assert not res["causality"].ok and "future token" in res["causality"].detail
    growing = parse_spec("lin p\ndim K, V\nin q[K], k[K], v[V]\nin a: unit\nstate S[K, V]\n"
                         "S = (I + a * k k^T) S + k v^T\nout o = S^T q\n")
    res = {r.name: r for r in static_checks(growing)[0]}
    assert not res["stability"].ok
    nonlinear = replace(gla, updates={"S": parse_spec(
        "lin p\ndim K, V\nin q[K], k[K], v[V]\nin g[K]\nstate S[K, V]\nS = diag(exp(g)) S + k v^T\nout o = S^T q\n"
    ).updates["S"]}, inputs=[replace(i, role="real") for i in gla.inputs])
    res = {r.name: r for r in static_checks(nonlinear)[0]}
    assert not res["linear_cost"].ok and "not in the linear class" in res["linear_cost"].detail
    assert not res["stability"].ok and "skipped" in res["stability"].detail


def test_mqar_batches():
    task = MQARTask(T=16, pairs=4, vocab=20)
    ids, tgt = mqar_batch(task, 3, torch.Generator().manual_seed(0))
    for b in range(3):
        pairs = {int(ids[b, 2 * i]): int(ids[b, 2 * i + 1]) for i in range(4)}
        assert all(1 <= k < 10 for k in pairs) and all(10 <= v < 20 for v in pairs.values())
        for t in range(8, 16):
            assert int(tgt[b, t]) == pairs[int(ids[b, t])]
        assert (tgt[b, :8] == -100).all()
    rec = MQARTask(T=24, pairs=8, vocab=40, recent=3)
    ids, tgt = mqar_batch(rec, 4, torch.Generator().manual_seed(0))
    for b in range(4):
        last = {int(ids[b, 2 * i]) for i in range(5, 8)}
        assert {int(x) for x in ids[b, 16:]} <= last
    pt = MQARTask(T=12, pairs=3, vocab=8, format="pairs")
    ids, tgt = mqar_batch(pt, 2, torch.Generator().manual_seed(0))
    n = 4
    for b in range(2):
        pairs = {int(ids[b, i]) // n: int(ids[b, i]) % n for i in range(3)}
        for t in range(3, 12):
            assert int(tgt[b, t]) == n * n + n + pairs[int(ids[b, t]) - n * n]
    with pytest.raises(ValueError):
        mqar_batch(MQARTask(T=8, pairs=4, vocab=20), 1, torch.Generator())


def test_mqar_training_runs_and_reports():
    res = train_mqar("linear_attn", MQARTask(T=16, pairs=2, vocab=12, K=4, V=4),
                     MQARTrain(d_model=16, n_layers=1, steps=3, batch=4, eval_batch=8))
    assert 0.0 <= res["accuracy"] <= 1.0 and res["state_size"] == 16 and res["loss"] > 0
    based = train_mqar("based", MQARTask(T=16, pairs=2, vocab=12, K=4, V=4),  # derived dims: F = 1 + 4 + 16
                       MQARTrain(d_model=16, n_layers=1, steps=3, batch=4, eval_batch=8))
    assert based["state_size"] == 21 * 4 + 21 and based["loss"] > 0


def test_mqar_training_options_and_deadline():
    """The GPU preset's options (no weight decay on 1-D parameters, warmup) train on the CPU; a deadline that has
    passed stops training before the first step and the model is still evaluated."""
    import json
    import time
    task = MQARTask(T=16, pairs=2, vocab=12, K=4, V=4)
    cfg = MQARTrain(d_model=16, n_layers=1, steps=3, batch=4, eval_batch=8, decay_1d=False, warmup=0.5,
                    A_range=(0.1, 1.0))
    res = train_mqar("gated_deltanet", task, cfg)
    assert res["steps_done"] == 3 and 0.0 <= res["accuracy"] <= 1.0
    res = train_mqar("gated_deltanet", task, cfg, deadline=time.time() - 1)
    assert res["steps_done"] == 0 and 0.0 <= res["accuracy"] <= 1.0
    # the defaults are the search's CPU setting, unchanged
    from lindsl.search.mqar import PRESETS
    assert PRESETS["cpu"] == (MQARTask(), MQARTrain()) and MQARTrain().device == "cpu" and MQARTrain().decay_1d
    assert json.dumps(asdict(PRESETS["gpu"][1]))


def test_search_cli_mqar_preset(tmp_path):
    """--mqar-preset gpu stores the preset's task and training in the run's config (--steps still overrides)."""
    import json
    from lindsl.search.mqar import PRESETS
    db = str(tmp_path / "runs.db")
    assert main(["search", "--parent", "linear_attn", "--n", "0", "--baselines", "", "--no-mqar", "--db", db,
                 "--mqar-preset", "gpu", "--steps", "7"]) == 0
    cfg = json.loads(sqlite3.connect(db).execute("SELECT config FROM runs").fetchone()[0])
    assert cfg["tasks"] == [json.loads(json.dumps(asdict(PRESETS["gpu"][0])))]
    assert cfg["train"]["steps"] == 7 and cfg["train"]["device"] == "cuda" and cfg["train"]["batch"] == 128


def test_mqar_gpu_benchmark_dry(tmp_path, monkeypatch):
    """benchmarks/mqar_gpu.py end to end on the CPU with a tiny setting: a JSON with a row per run and a summary."""
    import importlib
    import json
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))  # the spawned workers import the script by name
    mod = importlib.import_module("mqar_gpu")
    assert mod.main(["--dry", "--out", str(tmp_path), "--rules", "linear_attn", "--seeds", "2", "--steps", "2",
                     "--workers", "1", "--no-probe", "--quiet"]) == 0
    d = json.loads((tmp_path / "mqar_gpu_dry.json").read_text())
    assert d["finished"] and [r["seed"] for r in d["rows"]] == [0, 1]
    assert all(r["steps_done"] == 2 and 0 <= r["accuracy"] <= 1 for r in d["rows"])
    assert d["summary"]["linear_attn"]["n"] == 2


def _tiny(n=3, **kw):
    return SearchConfig(parents=["gla"], n=n, seed=0, baselines=["linear_attn"],
                        tasks=[asdict(MQARTask(T=16, pairs=2, vocab=12, K=4, V=4))],
                        train=asdict(MQARTrain(d_model=16, n_layers=1, steps=2, batch=4, eval_batch=8)), **kw)


def test_search_records_everything_and_resumes(tmp_path, capsys):
    db = str(tmp_path / "runs.db")
    run = search(db, _tiny(n=3), stream=open(tmp_path / "log.txt", "w"))
    con = sqlite3.connect(db)
    rows = con.execute("SELECT idx, status, parent1, operator FROM candidates WHERE run_id = ? ORDER BY idx",
                       (run,)).fetchall()
    assert [r[0] for r in rows] == [-2, -1, 0, 1, 2]
    assert all(r[1] in ("scored", "rejected", "failed") for r in rows)
    assert all(r[2] is not None for r in rows if r[0] >= 0)
    n_checks = con.execute("SELECT COUNT(*) FROM checks").fetchone()[0]
    assert n_checks >= 4 * 2
    assert con.execute("SELECT COUNT(*) FROM scores WHERE metric = 'mqar_acc'").fetchone()[0] >= 2
    # interrupt: forget the last candidate's results and mark it pending; grow the run; resume
    last = con.execute("SELECT id FROM candidates WHERE idx = 2").fetchone()[0]
    first_spec = con.execute("SELECT spec FROM candidates WHERE idx = 0").fetchone()[0]
    con.execute("UPDATE candidates SET status = 'pending' WHERE id = ?", (last,))
    con.execute("UPDATE runs SET config = json_set(config, '$.n', 4) WHERE id = ?", (run,))
    con.commit()
    con.close()
    assert main(["search", "--resume", "--db", db]) == 0
    con = sqlite3.connect(db)
    rows = con.execute("SELECT idx, status FROM candidates ORDER BY idx").fetchall()
    assert [r[0] for r in rows] == [-2, -1, 0, 1, 2, 3] and all(r[1] != "pending" for r in rows)
    assert con.execute("SELECT spec FROM candidates WHERE idx = 0").fetchone()[0] == first_spec
    assert con.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 1
    out = capsys.readouterr().out
    assert "rank" in out and "gla" in out
    assert main(["leaderboard", "--db", db, "--markdown"]) == 0
    assert "| rank |" in capsys.readouterr().out


def test_search_averages_mqar_over_seeds(tmp_path):
    db = str(tmp_path / "seeds.db")
    search(db, _tiny(n=0, mqar_seeds=2), stream=open(tmp_path / "log.txt", "w"))
    con = sqlite3.connect(db)
    rows = con.execute("SELECT c.name, json_extract(s.detail, '$.seed') FROM scores s JOIN candidates c ON "
                       "c.id = s.candidate_id WHERE s.metric = 'mqar_acc' ORDER BY c.name, 2").fetchall()
    assert rows == [("gla", 0), ("gla", 1), ("linear_attn", 0), ("linear_attn", 1)]


def test_cli_errors_are_clean(tmp_path, capsys):
    assert main(["search", "--resume", "--db", str(tmp_path / "none.db")]) == 2
    assert "no database" in capsys.readouterr().err
    assert main(["leaderboard", "--db", str(tmp_path / "none.db")]) == 2
    assert main(["search", "--db", str(tmp_path / "x.db"), "--tasks", "64:8", "--n", "0"]) == 2
    assert "T:pairs:K" in capsys.readouterr().err
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    assert main(["leaderboard", "--db", str(junk)]) == 2
    assert "junk.db" in capsys.readouterr().err


def test_search_runs_candidates_with_the_eager_prologue(tmp_path, monkeypatch):
    """Candidates see LINDSL_TUNE_PROLOGUE=eager and LINDSL_TUNE_BWD_GLUE=eager (no torch.compile per rule) unless
    the user set them; the variables are restored afterwards."""
    from lindsl.search import runner
    seen = []
    names = ("LINDSL_TUNE_PROLOGUE", "LINDSL_TUNE_BWD_GLUE")
    monkeypatch.setattr(runner, "_evaluate_recorded",
                        lambda *a, **k: seen.append(tuple(os.environ.get(n) for n in names)) or "scored")
    for n in names:
        monkeypatch.delenv(n, raising=False)
    search(str(tmp_path / "a.db"), _tiny(n=0), stream=open(tmp_path / "log.txt", "w"))
    assert seen and set(seen) == {("eager", "eager")} and not any(n in os.environ for n in names)
    monkeypatch.setenv("LINDSL_TUNE_PROLOGUE", "compiled")
    search(str(tmp_path / "b.db"), _tiny(n=0), stream=open(tmp_path / "log.txt", "w"))
    assert seen[-1] == ("compiled", "eager") and os.environ["LINDSL_TUNE_PROLOGUE"] == "compiled"
    assert "LINDSL_TUNE_BWD_GLUE" not in os.environ
