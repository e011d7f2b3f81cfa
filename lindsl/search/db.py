"""The search database (SQLite): runs, candidates with their lineage, checks, scores and errors.

A candidate row is written before it is evaluated (status 'pending') and finished with one of 'rejected' (a static
check failed), 'failed' (verification or scoring raised or disagreed), 'scored'. Each check, score and error is
its own row, committed as soon as it is known, so an interrupted search loses at most the candidate in progress.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from dataclasses import replace

from ..frontend.printer import spec_key
from ..ir import Spec

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, config TEXT NOT NULL, started REAL, finished REAL);
CREATE TABLE IF NOT EXISTS candidates (
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, idx INTEGER NOT NULL, name TEXT NOT NULL, spec TEXT NOT NULL,
    key TEXT NOT NULL, parent1 INTEGER, parent2 INTEGER, operator TEXT, description TEXT,
    status TEXT NOT NULL, created REAL, finished REAL, UNIQUE (run_id, idx), UNIQUE (run_id, key));
CREATE TABLE IF NOT EXISTS checks (candidate_id INTEGER NOT NULL, name TEXT, ok INTEGER, detail TEXT, seconds REAL);
CREATE TABLE IF NOT EXISTS scores (candidate_id INTEGER NOT NULL, metric TEXT, value REAL, label TEXT, detail TEXT);
CREATE TABLE IF NOT EXISTS errors (candidate_id INTEGER NOT NULL, stage TEXT, message TEXT);
"""
FINAL = ("rejected", "failed", "scored")


def ir_key(spec: Spec) -> str:
    """A hash of the IR without the spec's name: equal rules get equal keys."""
    return hashlib.sha256(repr(spec_key(replace(spec, name="_"))).encode()).hexdigest()[:20]


class DB:
    def __init__(self, path: str):
        self.path = path
        self.con = sqlite3.connect(path, timeout=30)
        self.con.row_factory = sqlite3.Row
        self.con.executescript(SCHEMA)
        self.con.commit()

    def close(self) -> None:
        self.con.close()

    # runs
    def new_run(self, config: dict) -> int:
        cur = self.con.execute("INSERT INTO runs (config, started) VALUES (?, ?)", (json.dumps(config), time.time()))
        self.con.commit()
        return cur.lastrowid

    def last_run(self) -> sqlite3.Row | None:
        return self.con.execute("SELECT * FROM runs ORDER BY id DESC LIMIT 1").fetchone()

    def finish_run(self, run_id: int) -> None:
        self.con.execute("UPDATE runs SET finished = ? WHERE id = ?", (time.time(), run_id))
        self.con.commit()

    # candidates
    def add_candidate(self, run_id: int, idx: int, name: str, spec_text: str, key: str, parents=(None, None),
                      operator: str = "", description: str = "") -> int:
        cur = self.con.execute(
            "INSERT INTO candidates (run_id, idx, name, spec, key, parent1, parent2, operator, description, status, "
            "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
            (run_id, idx, name, spec_text, key, parents[0], parents[1], operator, description, time.time()))
        self.con.commit()
        return cur.lastrowid

    def candidate(self, run_id: int, idx: int) -> sqlite3.Row | None:
        return self.con.execute("SELECT * FROM candidates WHERE run_id = ? AND idx = ?", (run_id, idx)).fetchone()

    def has_key(self, run_id: int, key: str) -> bool:
        return self.con.execute("SELECT 1 FROM candidates WHERE run_id = ? AND key = ?", (run_id, key)).fetchone() \
            is not None

    def reset(self, cid: int) -> None:
        """Forget a pending candidate's partial results (it is evaluated again)."""
        for t in ("checks", "scores", "errors"):
            self.con.execute(f"DELETE FROM {t} WHERE candidate_id = ?", (cid,))
        self.con.execute("UPDATE candidates SET status = 'pending', finished = NULL WHERE id = ?", (cid,))
        self.con.commit()

    def set_status(self, cid: int, status: str) -> None:
        self.con.execute("UPDATE candidates SET status = ?, finished = ? WHERE id = ?",
                         (status, time.time() if status in FINAL else None, cid))
        self.con.commit()

    def add_check(self, cid: int, name: str, ok: bool, detail: str, seconds: float = 0.0) -> None:
        self.con.execute("INSERT INTO checks VALUES (?, ?, ?, ?, ?)", (cid, name, int(ok), detail, seconds))
        self.con.commit()

    def add_score(self, cid: int, metric: str, value: float, label: str, detail: dict | None = None) -> None:
        self.con.execute("INSERT INTO scores VALUES (?, ?, ?, ?, ?)",
                         (cid, metric, value, label, json.dumps(detail or {})))
        self.con.commit()

    def add_error(self, cid: int, stage: str, message: str) -> None:
        self.con.execute("INSERT INTO errors VALUES (?, ?, ?)", (cid, stage, message))
        self.con.commit()

    def scored(self, run_id: int) -> list[sqlite3.Row]:
        """Scored candidates of a run with their mean MQAR accuracy (column 'mqar')."""
        return self.con.execute(
            "SELECT c.*, AVG(s.value) AS mqar FROM candidates c JOIN scores s ON s.candidate_id = c.id "
            "AND s.metric = 'mqar_acc' WHERE c.run_id = ? AND c.status = 'scored' GROUP BY c.id", (run_id,)).fetchall()

    def rows(self, sql: str, args=()) -> list[sqlite3.Row]:
        return self.con.execute(sql, args).fetchall()
