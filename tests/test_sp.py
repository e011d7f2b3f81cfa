"""Sequence parallelism on CPU ranks (torch.multiprocessing spawn, gloo; lindsl.sp.check runs the workers).

One spawn per world size (2, 4, 8 ranks) runs every library spec with every schedule inside the workers, on a
batch (B=2, with an initial state, uneven shards, final-state terms on ranks 0, 1 and the last in the loss) and on
packed varlen sequences that cross shard boundaries (one starts exactly at a shard start; for 8 ranks shards lie
wholly inside one sequence), and compares every rank's outputs, final states and the gradients of every input,
param and initial state (params and initial states summed over ranks) with the single-device run.

Tolerance (fp32): relative error max|sp - ref| / max|ref| <= 2e-5. The sequence-parallel run re-associates the
recurrence: shard transition products composed and folded in the schedule's order (allgather, chain, doubling),
chunk boundaries shifted by the shard starts. Each compared entry is a sum of O(T) fp32 terms, so rounding gives
errors of O(T * 6e-8) ~ 1e-6 at these sizes (observed <= 1.3e-6); 2e-5 leaves margin for that while any wrong or
missing term (a dropped carry, an untransposed A, a misplaced gradient) gives errors of 1e-3 .. 1. A separate fp64
run (tolerance 1e-12) shows that the algorithm is exact up to rounding, including a value-side gate with rank-one
factors (examples/new_rule.lin).
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lindsl.sp import SCHEDULES
from lindsl.sp.check import SPECS, check_world, failure_world, shard_lens, varlen_bounds

TOL32 = 2e-5
TOL64 = 1e-12
ROOT = Path(__file__).resolve().parent.parent


def _assert_rows(rows, world, specs, schedules, cases, tol):
    seen = {(r["spec"], r["case"], r["schedule"], r["rank"]) for r in rows}
    want = {(s, c, sc, r) for s in specs for c in cases for sc in schedules for r in range(world)}
    assert want <= seen, f"missing results: {sorted(want - seen)[:5]}"
    bad = [(r["spec"], r["case"], r["schedule"], r["rank"], k, v) for r in rows for k, v in r["err"].items()
           if not v <= tol]
    assert not bad, f"{len(bad)} comparisons above {tol}: {bad[:8]}"
    keys = {k for r in rows for k in r["err"]}
    assert any(k.startswith("out:") for k in keys) and any(k.startswith("dh0:") for k in keys)
    assert sum(k.startswith("d") and not k.startswith("dh0") for k in keys) >= 3


@pytest.mark.parametrize("world", [2, 4, 8])
def test_sp_equals_single_device(world):
    rows = check_world(world, specs=SPECS, schedules=SCHEDULES)
    _assert_rows(rows, world, SPECS, SCHEDULES, ("batch", "varlen"), TOL32)
    if world > 2:  # the chain ran with several column blocks per state (see lindsl.sp.check.FINE_BLOCKS)
        assert min(r["blocks"] for r in rows if r["schedule"] == "allscan") > 1
    # the final-state comparisons ran: shard ends (batch) and the summed varlen finals
    assert any(k.startswith("end:") for r in rows for k in r["err"])
    assert any(k.startswith("final:") for r in rows for k in r["err"])


def test_sp_fp64_exact_with_value_gate():
    new_rule = str(ROOT / "examples" / "new_rule.lin")
    specs = [new_rule, "gated_deltanet", "retnet", "sse_gla"]
    rows = check_world(3, specs=specs, schedules=SCHEDULES, dtype="float64")
    _assert_rows(rows, 3, ["new_rule", "gated_deltanet", "retnet", "sse_gla"], SCHEDULES, ("batch", "varlen"),
                 TOL64)


def test_varlen_layout_covers_the_cases():
    """The packed layout used above: sequences cross boundaries, one starts at a shard start, shards lie inside."""
    for P in (2, 4, 8):
        T = max(24, 5 * P + 3)
        lens = shard_lens(T, P)
        assert sum(lens) == T and min(lens) >= 1 and len(set(lens)) > 1
        cu = varlen_bounds(T, P)
        starts = [sum(lens[:j]) for j in range(P)]
        crossing = [c for c in zip(cu, cu[1:]) if any(c[0] < s < c[1] for s in starts)]
        assert crossing
        if P >= 3:
            assert starts[-1] in cu
        if P >= 8:
            inside = [j for j in range(P) if any(a < starts[j] and starts[j] + lens[j] <= b for a, b in zip(cu, cu[1:]))]
            assert inside


def test_sp_failures_give_errors_on_every_rank():
    timeout = 2.0
    a, b = failure_world(2, timeout)
    for r in (a, b):
        assert r["good"]["ok"] and r["run"]["ok"]
        assert r["model"]["kind"] == "SPError" and "cost models" in r["model"]["error"]
        assert r["mismatch"]["kind"] == "SPError" and "argument 'v' has shape" in r["mismatch"]["error"]
        assert r["local_error"]["kind"] == "SPError" and "rejected on rank 1" in r["local_error"]["error"]
        assert "ShapeError" in r["local_error"]["error"]
        assert r["schedule"]["kind"] == "SPError" and "sp_schedule" in r["schedule"]["error"]
        assert r["shift"]["kind"] == "SPError" and "halo" in r["shift"]["error"]
        assert r["grad_mode"]["kind"] == "SPError" and "autograd" in r["grad_mode"]["error"]
    survivor = a if "hung" in a else b
    assert survivor["hung"]["kind"] == "SPError" and "timeout" in survivor["hung"]["error"].lower()
    assert 0.5 * timeout <= survivor["hung"]["seconds"] <= 3 * timeout
    assert survivor["dead"]["kind"] == "SPError" and survivor["dead"]["seconds"] <= 3 * timeout


def test_gpu_suite_dry_run(tmp_path):
    """benchmarks/sp_suite.py's CPU path (2 gloo ranks, tiny sizes) runs every phase and writes its JSON."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "sp_suite.py"), "--dry", "--out", str(tmp_path),
                           "--specs", "gated_deltanet", "--bench-specs", "gla"], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "correctness (P=2 vs P=1" in proc.stdout and "projection gla" in proc.stdout
    res = json.loads((tmp_path / "sp_suite.json").read_text())
    assert res["correctness"] and all(r["ok"] for r in res["correctness"])
    assert {r["schedule"] for r in res["correctness"]} == set(SCHEDULES)
    row = res["bench"][0]
    assert set(row["P2"]) == set(SCHEDULES) | {"auto"} and "fb_s" in row["P1"]
    assert all(r["comm_s"] > 0 and r["predicted_comm_s"] > 0 for r in row["P2"].values())
    assert len(res["projection"]) == 6
