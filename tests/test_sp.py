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


@pytest.mark.parametrize("world", [2, 4])  # 8 ranks left out for the suite's time (CI: 2 cores: 30 s)
def test_sp_equals_single_device(world):
    rows = check_world(world, specs=SPECS, schedules=SCHEDULES)
    _assert_rows(rows, world, SPECS, SCHEDULES, ("batch", "varlen"), TOL32)
    _assert_forms(rows)
    if world > 2:  # the chain ran with several column blocks per state (see lindsl.sp.check.FINE_BLOCKS)
        assert min(r["blocks"] for r in rows if r["schedule"] == "allscan") > 1
    # the final-state comparisons ran: shard ends (batch) and the summed varlen finals
    assert any(k.startswith("end:") for r in rows for k in r["err"])
    assert any(k.startswith("final:") for r in rows for k in r["err"])


LASP2 = {"linear_attn", "retnet", "lightning", "mamba2", "gla", "hgrn2", "rwkv6", "sse_gla", "lasp2_mix",
         "gla_token_shift"}


def test_sp_token_shifts_exchange_a_halo():
    """Specs that read earlier tokens (x[t-1], x[t-2]) on 3 ranks: each rank takes the previous shard's last
    tokens (an all-gather of the tails) and sends their gradients back; outputs, shard-end and final states and
    every gradient equal the single-device run, in the default summary-first form (GLA with RWKV-style token shifts,
    a gated delta rule with shifts of one and two; the LASP-2 form's halo: test_sp_lasp2_form_for_diagonal_transitions).
    Packed sequences (shards of 8 tokens):
    two start one token before a shard's end, so the halo's first token is not theirs, and one crosses a shard."""
    specs = [str(ROOT / "tests" / "data" / f"sp_shift_{s}.lin") for s in ("gla", "delta")]
    rows = check_world(3, specs=specs, schedules=("allgather", "doubling"), cu=[0, 7, 15, 19, 24])
    _assert_rows(rows, 3, ["gla_token_shift", "delta_shift2"], ("allgather", "doubling"), ("batch", "varlen"),
                 TOL32)
    _assert_forms(rows)
    assert any(k.startswith("end:") for r in rows for k in r["err"])
    assert any(k.startswith("final:") for r in rows for k in r["err"])


def test_sp_lasp2_form_for_diagonal_transitions():
    """The LASP-2 form (lindsl.sp.runtime.FORM = "lasp2"; summary-first is the default) on 3 ranks in fp32: key-vector
    gates with RWKV-style token shifts (the halo), and several states with reads before and after the update and a
    value gate (tests/data/lasp2_mix.lin); the same results as the single device. (The fp64 test below runs the
    LASP-2 form with every schedule on RetNet, SSE-GLA, GLA and the mix.)"""
    mix = str(ROOT / "tests" / "data" / "lasp2_mix.lin")
    shift = str(ROOT / "tests" / "data" / "sp_shift_gla.lin")
    rows = check_world(3, specs=[shift, mix], schedules=("allgather",), form="lasp2", cu=[0, 7, 15, 19, 24])
    _assert_rows(rows, 3, ["gla_token_shift", "lasp2_mix"], ("allgather",), ("batch", "varlen"), TOL32)
    _assert_forms(rows, lasp2=True)


def _assert_forms(rows, lasp2=False):
    """Every spec runs the summary-first form by default; with the LASP-2 form forced, the specs it applies to
    (diagonal transitions, affine epilogue) run it and the rest summary-first."""
    for r in rows:
        want = "lasp2" if lasp2 and r["spec"] in LASP2 else "summary-first"
        assert r["form"] == want, (r["spec"], r["form"])


def test_sp_fp64_exact_with_value_gate():
    """fp64, 3 ranks: dense transitions with a value gate (summary-first) and the LASP-2 form on a scalar decay,
    key-vector gates (gla: the gate gradient corrections), several states and a key-vector + value gate with reads
    before and after the update and a vector state (tests/data/lasp2_mix.lin); forward, final states and every
    gradient (gates, params, initial states) equal the single-device run, with varlen sequences crossing ranks."""
    new_rule = str(ROOT / "examples" / "new_rule.lin")
    mix = str(ROOT / "tests" / "data" / "lasp2_mix.lin")
    specs = [new_rule, "gated_deltanet", "retnet", "sse_gla", "gla", mix]
    rows = check_world(3, specs=specs, schedules=SCHEDULES, dtype="float64", form="lasp2")
    _assert_rows(rows, 3, ["new_rule", "gated_deltanet", "retnet", "sse_gla", "gla", "lasp2_mix"], SCHEDULES,
                 ("batch", "varlen"), TOL64)
    _assert_forms(rows, lasp2=True)
    keys = {k for r in rows if r["spec"] == "lasp2_mix" for k in r["err"]}
    assert {"dg", "dgv", "da", "du(sum)", "dh0:S(sum)", "dh0:z(sum)", "final:S", "final:z"} <= keys


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
        assert r["shift"]["kind"] == "SPError" and "at least 2 tokens" in r["shift"]["error"]
        assert r["grad_mode"]["kind"] == "SPError" and "autograd" in r["grad_mode"]["error"]
    survivor = a if "hung" in a else b
    assert survivor["hung"]["kind"] == "SPError" and "timeout" in survivor["hung"]["error"].lower()
    assert 0.5 * timeout <= survivor["hung"]["seconds"] <= 3 * timeout
    assert survivor["dead"]["kind"] == "SPError" and survivor["dead"]["seconds"] <= 3 * timeout


def test_gpu_suite_dry_run(tmp_path):
    """benchmarks/sp_suite.py's CPU path (2 gloo ranks, tiny sizes) runs every phase of both forms (--lasp2: GLA in
    the LASP-2 form as well) and writes its JSON."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "sp_suite.py"), "--dry", "--out", str(tmp_path),
                           "--specs", "gated_deltanet", "--bench-specs", "gla", "--lasp2"], capture_output=True,
                          text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "correctness (P=2 vs P=1" in proc.stdout and "projection gla" in proc.stdout
    res = json.loads((tmp_path / "sp_suite.json").read_text())
    assert res["correctness"] and all(r["ok"] for r in res["correctness"])
    assert {r["schedule"] for r in res["correctness"]} == set(SCHEDULES)
    row = res["bench"][0]
    assert row["P"] == 2 and set(row["PN"]) == set(SCHEDULES) | {"auto", "auto+lasp2"} and "fb_s" in row["P1"]
    assert all(r["comm_s"] > 0 and r["predicted_comm_s"] > 0 for r in row["PN"].values())
    # the default form's phases (summary and adjoint passes before the exchanges, local passes after) and the
    # LASP-2 form's (local passes, corrections after the exchanges) are measured
    lasp = row["PN"].pop("auto+lasp2")
    assert lasp["form"] == "lasp2" and lasp["phases_s"]["local_fwd"] > 0 and lasp["phases_s"]["correction_fwd"] > 0
    assert lasp["phases_s"]["correction_bwd"] > 0 and lasp["extra_bwd_s"] > 0
    assert all(r["form"] == "summary-first" and r["phases_s"]["summary"] > 0 and r["phases_s"]["local_fwd"] > 0
               and r["phases_s"]["pass2"] > 0 for r in row["PN"].values())


@pytest.mark.parametrize("T", [1, 63, 64, 65, 300])
def test_blocked_time_cumsum_matches_cumsum(T):
    """The LASP-2 corrections' blocked cumulative sum (fast on CUDA) equals torch.cumsum, values and gradients."""
    import torch

    from lindsl.sp.runtime import _cumsum_time
    g = torch.randn(3, T, 5, dtype=torch.float64, requires_grad=True)
    w = torch.randn(3, T, 5, dtype=torch.float64)
    a, b = _cumsum_time(g), torch.cumsum(g, 1)
    assert torch.allclose(a, b, rtol=0, atol=1e-12)
    ga, = torch.autograd.grad((a * w).sum(), g)
    gb, = torch.autograd.grad((b * w).sum(), g)
    assert torch.allclose(ga, gb, rtol=0, atol=1e-12)


def test_lasp2_gate_gradient_math():
    """The LASP-2 corrections (lindsl.sp.runtime): their values and gradients (the reads' written-out
    vector-Jacobian products, terminal_grads) against the step-by-step recurrence from S0 (autograd through the
    loop) and against the closed forms in terminal_grads' docstring, fp64, for a key-vector gate with a value gate,
    a scalar gate, and "before"/"after" reads."""
    import torch
    from lindsl.sp.runtime import end_correction, read_corrections, terminal_grads
    torch.manual_seed(0)
    N, T, P, K, V = 3, 7, 2, 4, 5
    for scalar in (False, True):
        gk = -torch.rand((N, T) if scalar else (N, T, K), dtype=torch.float64)
        gv = -torch.rand(N, T, V, dtype=torch.float64)
        k, v = torch.randn(N, T, P, K, dtype=torch.float64), torch.randn(N, T, P, V, dtype=torch.float64)
        xa, xb = torch.randn(N, T, K, dtype=torch.float64), torch.randn(N, T, K, dtype=torch.float64)
        S0, mu = torch.randn(N, K, V, dtype=torch.float64), torch.randn(N, K, V, dtype=torch.float64)
        dra, drb = torch.randn(N, T, V, dtype=torch.float64), torch.randn(N, T, V, dtype=torch.float64)
        leaves = [t.clone().requires_grad_() for t in (gk, gv, k, v, xa, xb, S0)]
        core = dict(gk=leaves[0], gv=leaves[1], k=leaves[2], v=leaves[3], xs=[leaves[4], leaves[5]],
                    timings=["after", "before"])
        # the corrections' values and gradients: reads through their autograd.Function, <mu, S_T> by terminal_grads
        ra, rb = read_corrections(core, leaves[6])
        val = (ra * dra).sum() + (rb * drb).sum()
        got = torch.autograd.grad(val, leaves, allow_unused=True)  # k, v: only through <mu, S_T>
        tg = terminal_grads(dict(gk=gk, gv=gv, k=k, v=v), mu, S0)
        got = [(0 if a is None else a) + b for a, b in zip(got, [tg["gk"], tg["gv"], tg["k"], tg["v"], 0, 0, tg["S0"]])]
        # the recurrence token by token: reads of S_t (after) and S_{t-1} (before), <mu, S_T>
        ref_leaves = [t.clone().requires_grad_() for t in (gk, gv, k, v, xa, xb, S0)]
        g_, gv_, k_, v_, xa_, xb_, S = ref_leaves
        ref = 0
        for t in range(T):
            prev = S
            d = g_[:, t].exp()[:, None, None] if scalar else g_[:, t].exp()[:, :, None]
            S = d * S * gv_[:, t].exp()[:, None, :] + torch.einsum("npk,npv->nkv", k_[:, t], v_[:, t])
            ref = ref + (torch.einsum("nkv,nk->nv", S, xa_[:, t]) * dra[:, t]).sum()
            ref = ref + (torch.einsum("nkv,nk->nv", prev, xb_[:, t]) * drb[:, t]).sum()
        S_end = S.detach()
        ref = ref + (S * mu).sum()
        # (the recurrence includes the zero-state parts of the reads, which do not depend on S0 nor on the reads'
        # gates through S0; subtract them by running it from S0 = 0)
        z_leaves = [t.clone().requires_grad_() for t in (gk, gv, k, v, xa, xb)]
        g2, gv2, k2, v2, xa2, xb2 = z_leaves
        S = torch.zeros(N, K, V, dtype=torch.float64)
        zero = 0
        for t in range(T):
            prev = S
            d = g2[:, t].exp()[:, None, None] if scalar else g2[:, t].exp()[:, :, None]
            S = d * S * gv2[:, t].exp()[:, None, :] + torch.einsum("npk,npv->nkv", k2[:, t], v2[:, t])
            zero = zero + (torch.einsum("nkv,nk->nv", S, xa2[:, t]) * dra[:, t]).sum()
            zero = zero + (torch.einsum("nkv,nk->nv", prev, xb2[:, t]) * drb[:, t]).sum()
        want = torch.autograd.grad(ref, ref_leaves)
        want0 = torch.autograd.grad(zero, z_leaves)
        # value: recurrence = zero-state reads + corrections + <mu, S_T>
        val = val + (S_end * mu).sum()
        assert abs(float((ref - zero - val).detach())) <= 1e-12 * max(1.0, abs(float(ref.detach())))
        for j, (a, b) in enumerate(zip(got, want)):
            b = b - want0[j] if j < 6 else b
            assert torch.allclose(a, b, rtol=1e-11, atol=1e-11), (scalar, j, float((a - b).abs().max()))
        # the closed form of the terminal gate gradients (terminal_grads' docstring)
        dgk, dgv = tg["gk"], tg["gv"]
        rc = lambda g: torch.flip(torch.cumsum(torch.flip(g, [1]), 1), [1]) - g  # noqa: E731  sum_{s>t}
        Gk_b = rc(gk)
        kt = k * (Gk_b.exp()[:, :, None, None] if scalar else Gk_b.exp()[:, :, None, :])
        vt = v * rc(gv).exp()[:, :, None, :]
        h = (kt * torch.einsum("nkv,ntpv->ntpk", mu, vt)).sum(2)  # [N, T, K]
        w = (vt * torch.einsum("nkv,ntpk->ntpv", mu, kt)).sum(2)  # [N, T, V]
        ex_cum = lambda a: torch.cumsum(a, 1) - a  # noqa: E731  sum_{t<s}
        GkT, GvT = gk.sum(1), gv.sum(1)
        ekT = GkT.exp()[:, None, None] if scalar else GkT.exp()[:, :, None]
        rows = (S0 * mu * GvT.exp()[:, None, :] * ekT).sum(-1)  # exp(Gk_T) * rowsum(S0 * mu * exp(Gv_T))
        cols = (S0 * mu * ekT * GvT.exp()[:, None, :]).sum(-2)
        want_k = ex_cum(h) + rows[:, None, :]
        want_k = want_k.sum(-1) if scalar else want_k
        want_v = ex_cum(w) + cols[:, None, :]
        assert torch.allclose(dgk, want_k, rtol=1e-11, atol=1e-12)
        assert torch.allclose(dgv, want_v, rtol=1e-11, atol=1e-12)
        # A S0 (the carried state's share of the final state)
        assert torch.allclose(end_correction(dict(gk=gk, gv=gv), S0), S0 * ekT * GvT.exp()[:, None, :])
