"""Sequence parallelism without processes: shard summaries (transition products) against token-by-token products,
payload kinds from the IR, the planner and its cost model, plan serialisation, the `lindsl plan` CLI, and the
op's sp_group / sp_schedule keywords without a process group."""
import json
from pathlib import Path

import pytest
import torch

import lindsl
from lindsl.check import default_sizes, random_inputs
from lindsl.cli import main
from lindsl.ir import Binary, Var
from lindsl.runtime import engine
from lindsl.sp import SCHEDULES, LinkModel, Plan, SPError, make_plan, parse_count, plan_spec
from lindsl.sp.payload import sp_info
from lindsl.sp.runtime import check_metas
from lindsl.sp.scan import apply_map, compose_left, transpose_left

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = sorted(p.stem for p in (ROOT / "library").glob("*.lin"))


def _token_product(gk, gv, b, a, K):
    """prod_t (diag(e^gk_t) + sum b a^T) and prod_t e^gv_t, token by token (fp64)."""
    N, T = (b if b is not None else (gk if gk is not None else gv)).shape[:2]
    L = torch.eye(K, dtype=torch.float64).expand(N, K, K)
    for t in range(T):
        if gk is None:
            D = torch.eye(K, dtype=torch.float64).expand(N, K, K)
        elif gk.dim() == 2:
            D = gk[:, t].exp()[:, None, None] * torch.eye(K, dtype=torch.float64)
        else:
            D = torch.diag_embed(gk[:, t].exp())
        At = D + (torch.einsum("nrk,nrj->nkj", b[:, t], a[:, t]) if b is not None else 0)
        L = At @ L
    R = None if gv is None else gv.sum(1).exp()
    return L, R


@pytest.mark.parametrize("gate", ["none", "scalar", "vector"])
@pytest.mark.parametrize("rank_one", [0, 2])
@pytest.mark.parametrize("value_gate", [False, True])
def test_transition_product_matches_token_product(gate, rank_one, value_gate):
    g = torch.Generator().manual_seed(0)
    N, T, K, V = 3, 23, 5, 4
    gk = None if gate == "none" else torch.nn.functional.logsigmoid(
        torch.randn((N, T) if gate == "scalar" else (N, T, K), generator=g, dtype=torch.float64) + 2)
    gv = torch.nn.functional.logsigmoid(torch.randn(N, T, V, generator=g, dtype=torch.float64) + 2) if value_gate \
        else None
    b = a = None
    if rank_one:
        b = 0.4 * torch.randn(N, T, rank_one, K, generator=g, dtype=torch.float64)
        a = 0.4 * torch.randn(N, T, rank_one, K, generator=g, dtype=torch.float64)
    if gk is None and b is None and gv is None:
        assert engine.transition_product(gk, gv, b, a) == (None, None)
        return
    ref_L, ref_R = _token_product(gk, gv, b, a, K)
    for chunk in (4, 16, 64):  # several chunks with a ragged last one, and one chunk
        L, R = engine.transition_product(gk, gv, b, a, chunk)
        if L is None:
            assert gk is None and b is None
        else:
            dense = L if L.dim() == 3 else (torch.diag_embed(L) if L.dim() == 2 else
                                            L[:, None, None] * torch.eye(K, dtype=L.dtype))
            assert (dense - ref_L).abs().max() < 1e-12
        if value_gate:
            assert (R - ref_R).abs().max() < 1e-12
        else:
            assert R is None


@pytest.mark.parametrize("name", LIBRARY + ["new_rule"])
def test_shard_summary_is_the_affine_map(name):
    """final(S0) = L S0 R + B for a random S0, with B and (L, R) from the generated _lindsl_shard_summary."""
    op = lindsl.load(ROOT / "examples" / "new_rule.lin" if name == "new_rule" else name)
    spec = op.spec
    args = random_inputs(spec, 2, 21, 2, default_sizes(spec), torch.float64, seed=3)
    xs = [args[d.name] for d in spec.inputs]
    summ = op.module._lindsl_shard_summary(*xs, chunk_size=8)
    g = torch.Generator().manual_seed(1)
    _, fin0 = op(*xs, output_final_state=True)
    fin0 = fin0 if isinstance(fin0, tuple) else (fin0,)
    S0 = tuple(torch.randn(f.shape, generator=g, dtype=torch.float64) for f in fin0)
    _, fin = op(*xs, initial_state=S0 if len(S0) > 1 else S0[0], output_final_state=True)
    fin = fin if isinstance(fin, tuple) else (fin,)
    for sm, s0, f, c in zip(summ, S0, fin, op.module.SP_INFO["cores"]):
        vec = c["value"] is None
        K = s0.shape[-1] if vec else s0.shape[-2]
        V = 1 if vec else s0.shape[-1]
        N = s0.numel() // (K * V)
        L = sm["L"]
        if L is not None:
            L = L.reshape((N,) + tuple(L.shape[len(s0.shape) - (1 if vec else 2):]))
        R = None if sm["R"] is None else sm["R"].reshape(N, V)
        got = apply_map(L, R, s0.reshape(N, K, V)).reshape(f.shape) + sm["final"]
        assert (got - f).abs().max() < 1e-10 * max(1.0, f.abs().max().item())


def test_payload_kinds_from_the_ir():
    kinds = {}
    for name in LIBRARY:
        op = lindsl.load(name)
        kinds[name] = [(c["left"], c["constant"]) for c in sp_info(op.compiled.normalized)["cores"]]
    assert kinds["linear_attn"] == [("none", True)]
    assert kinds["linear_attn_normalized"] == [("none", True), ("none", True)]
    assert kinds["retnet"] == [("scalar", True)] and kinds["lightning"] == [("scalar", True)]  # known decays
    assert kinds["mamba2"] == [("scalar", False)]
    assert kinds["gla"] == [("key-vector", False)] and kinds["rwkv6"] == [("key-vector", False)]
    for dense in ("deltanet", "gated_deltanet", "kda", "rwkv7", "mom_gated_deltanet"):
        assert kinds[dense] == [("dense", False)], dense
    assert kinds["sse_gla"] == [("key-vector", False), ("key-vector", False)]
    nr = sp_info(lindsl.load(ROOT / "examples" / "new_rule.lin").compiled.normalized)["cores"][0]
    assert (nr["left"], nr["right"], nr["constant"]) == ("dense", "value-vector", False)


def test_plan_payload_bytes_and_text():
    p = plan_spec("gla", 8, "1M", 16)
    assert p.seq_len == 2 ** 20 and p.world == 8
    assert p.state_bytes == 16 * 128 * 128 * 4 and p.transition_bytes == 16 * 128 * 4
    text = str(p)
    for s in SCHEDULES:
        assert s in text
    assert "key-vector" in text and "predicted communication time" in text and p.schedule in text
    gdn = plan_spec("gated_deltanet", 8, "1M", 16)
    assert gdn.transition_bytes == 16 * 128 * 128 * 4 and "dense K x K" in str(gdn)
    ret = plan_spec("retnet", 8, "1M", 16)
    assert ret.transition_bytes == 0 and "constant decay" in str(ret)
    mom = plan_spec("mom_gated_deltanet", 4, "64K", 8, sizes={"M": 4, "K": 64, "V": 32})
    assert mom.state_bytes == 8 * 4 * 64 * 32 * 4 and mom.transition_bytes == 8 * 4 * 64 * 64 * 4
    based = plan_spec("based", 4, "64K", 16, sizes={"K": 16, "V": 64})  # derived dims sized from K: F = 273
    assert based.sizes["F"] == 273 and based.state_bytes == 16 * (273 * 64 + 273) * 4 and based.transition_bytes == 0
    with pytest.raises(ValueError, match="derived"):
        plan_spec("based", 4, "64K", 16, sizes={"F": 16})


def test_plan_json_roundtrip_and_forcing():
    p = plan_spec("kda", 4, "32K", 16, schedule="doubling")
    assert p.forced and p.schedule == "doubling" and "forced" in p.reason
    q = Plan.from_json(p.to_json())
    assert q == p and str(q) == str(p)
    assert json.loads(p.to_json())["alternatives"]["allscan"]["total_s"] > 0


def test_planner_choices_follow_the_cost_model():
    info = {"spec": "x", "cores": [{"state": "S", "left": "dense", "right": "none", "constant": False,
                                    "key": "K", "value": "V", "mem": None}], "token_shifts": [], "params": []}
    sizes = {"K": 128, "V": 128}
    # many ranks, small state, expensive latency on a ring: log2 P rounds win
    p = make_plan(info, 256, 2 ** 23, 16, sizes, model="ib")
    assert p.schedule == "doubling"
    # a switch (one-step all-gather) and few ranks, latency-bound: one all-gather wins
    p = make_plan(info, 8, 2 ** 20, 16, sizes, model="nvlink")
    assert p.schedule == "allgather"
    # huge states over a slow link: the pipelined chain (A never sent, volume independent of P) wins
    slow = LinkModel("slow", 1e-6, 1e9, 1e15, 1e15)
    p = make_plan(info, 16, 2 ** 20, 256, {"K": 128, "V": 128}, batch=8, model=slow)
    assert p.schedule == "allscan" and p.blocks > 1
    # every alternative's figures are consistent
    for a in p.alternatives.values():
        assert abs(a["total_s"] - a["fwd_s"] - a["bwd_s"]) < 1e-12
        assert abs(a["total_s"] - a["latency_s"] - a["bandwidth_s"] - a["compute_s"]) < 1e-9
    # one rank: nothing to exchange
    p = make_plan(info, 1, 100, 16, sizes)
    assert p.predicted_comm_s == 0


def test_plan_errors():
    with pytest.raises(ValueError, match="schedule must be one of"):
        plan_spec("gla", 2, 1024, 4, schedule="ring")
    with pytest.raises(ValueError, match="cannot be split"):
        plan_spec("gla", 8, 4, 4)
    with pytest.raises(ValueError, match="no dim"):
        plan_spec("gla", 2, 1024, 4, sizes={"Q": 3})


def test_plan_of_a_spec_with_token_shifts_names_the_halo():
    p = plan_spec("lin s\ndim K, V\nin q[K], k[K], v[V]\nstate S[K, V]\nS = S + k[t-1] v^T\nout o = S^T q\n", 2, 64, 1)
    assert p.halo == ["k[t-1]"] and "token shifts (k[t-1])" in str(p)
    assert Plan.from_json(p.to_json()).halo == ["k[t-1]"]


def test_parse_count():
    assert parse_count("1M") == 2 ** 20 and parse_count("32K") == 32768 and parse_count("4096") == 4096
    assert parse_count("1.5k") == 1536 and parse_count(7) == 7
    for bad in ("", "1Q", "-3", "0", "0.3", "1e6"):
        with pytest.raises(ValueError):
            parse_count(bad)


def test_cli_plan(capsys):
    assert main(["plan", "library/gla.lin", "--world", "8", "--seq-len", "1M", "--heads", "16"]) == 0
    out = capsys.readouterr().out
    assert "gla on 8 ranks" in out and "1048576 tokens" in out and "<- chosen" in out
    assert main(["plan", "gated_deltanet", "--world", "4", "--seq-len", "32K", "--heads", "8", "--schedule",
                 "allscan", "--json", "--dim", "K=64", "--link", "ib", "--alpha-us", "5"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["schedule"] == "allscan" and d["forced"] and d["sizes"]["K"] == 64 and abs(d["model"]["alpha"] - 5e-6) < 1e-15


@pytest.mark.parametrize("argv,msg", [
    (["--world", "0", "--seq-len", "1M", "--heads", "4"], "positive integer"),
    (["--world", "2", "--seq-len", "1Q", "--heads", "4"], "cannot read '1Q'"),
    (["--world", "2", "--seq-len", "1M"], "--heads"),
    (["--world", "2", "--seq-len", "1M", "--heads", "4", "--schedule", "ring"], "invalid choice"),
])
def test_cli_plan_bad_arguments(capsys, argv, msg):
    with pytest.raises(SystemExit) as e:
        main(["plan", "library/gla.lin"] + argv)
    assert e.value.code == 2 and msg in capsys.readouterr().err


@pytest.mark.parametrize("argv,msg", [
    (["library/gla.lin", "--world", "2", "--seq-len", "1M", "--heads", "4", "--dim", "Z=4"], "no dim 'Z'"),
    (["library/gla.lin", "--world", "2", "--seq-len", "1M", "--heads", "4", "--dim", "K=x"], "NAME=SIZE"),
    (["library/gla.lin", "--world", "4", "--seq-len", "3", "--heads", "4"], "cannot be split"),
    (["nofile.lin", "--world", "2", "--seq-len", "1M", "--heads", "4"], "nofile.lin"),
])
def test_cli_plan_errors_without_traceback(capsys, argv, msg):
    assert main(["plan"] + argv) == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


def test_op_keywords_without_a_group():
    op = lindsl.load("gla")
    args = random_inputs(op.spec, 1, 8, 2, default_sizes(op.spec), torch.float32)
    xs = [args[d.name] for d in op.spec.inputs]
    with pytest.raises(ValueError, match="sp_schedule needs sp_group"):
        op(*xs, sp_schedule="allscan")
    with pytest.raises(SPError, match="init_process_group"):
        op(*xs, sp_group=object())


def test_mismatch_messages():
    names = ["q", "k", "v", "g"]
    from lindsl.sp import runtime as rt
    m0 = [0] * rt._META
    m0[0] = rt._MAGIC
    m0[16:16 + 7] = [4, 1, -1, 2, 4, 0, 0]
    m1 = list(m0)
    m1[17 + 3] = 8
    assert "argument 'q' has shape [1, T, 2, 8] on rank 1 but [1, T, 2, 4] on rank 0" in check_metas([m0, m1],
                                                                                                     names, 0)
    m2 = list(m0)
    m2[5] = 3
    assert "number of heads H" in check_metas([m0, m2], names, 1)
    assert check_metas([m0, list(m0)], names, 0) is None
    bad = list(m0)
    bad[0] = 7
    assert "did not make a lindsl sequence-parallel call" in check_metas([m0, bad], names, 0)


def test_map_algebra_mixed_kinds():
    g = torch.Generator().manual_seed(0)
    N, K, V = 2, 3, 4
    S = torch.randn(N, K, V, generator=g, dtype=torch.float64)
    Ls = [torch.rand(N, generator=g, dtype=torch.float64), torch.rand(N, K, generator=g, dtype=torch.float64),
          torch.randn(N, K, K, generator=g, dtype=torch.float64), None]
    for L2 in Ls:
        for L1 in Ls:
            ref = apply_map(L2, None, apply_map(L1, None, S))
            assert (apply_map(compose_left(L2, L1), None, S) - ref).abs().max() < 1e-12
    D = Ls[2]
    lam = torch.randn(N, K, V, generator=g, dtype=torch.float64)
    # <lam, L S> = <L^T lam, S>
    assert abs((lam * apply_map(D, None, S)).sum() - (apply_map(transpose_left(D), None, lam) * S).sum()) < 1e-12


def _divides_by_a_read(spec):
    """Whether an output divides by a state's read (a normalizer): what makes a library spec's outputs not affine."""
    def reads_a_state(e):
        return any(isinstance(v, Var) and v.kind == "state" for v in e.walk())
    return any(isinstance(e, Binary) and e.op == "/" and reads_a_state(e.r) for _, o in spec.outputs for e in o.walk())


@pytest.mark.parametrize("name", LIBRARY + ["new_rule"])
def test_carry_adjoint_equals_autograd(name):
    """The backward's cheap pass: d(loss)/d(initial state) by one adjoint state pass without gradient reads equals
    autograd through the op, for every spec whose outputs are affine in the reads (the others refuse)."""
    op = lindsl.load(ROOT / "examples" / "new_rule.lin" if name == "new_rule" else name)
    spec = op.spec
    args = random_inputs(spec, 2, 19, 2, default_sizes(spec), torch.float64, seed=4)
    xs = [args[d.name] for d in spec.inputs]
    g = torch.Generator().manual_seed(2)
    _, fin = op(*xs, output_final_state=True)
    fin = fin if isinstance(fin, tuple) else (fin,)
    S0 = tuple(torch.randn(f.shape, generator=g, dtype=torch.float64).requires_grad_() for f in fin)
    out, fin = op(*xs, initial_state=S0 if len(S0) > 1 else S0[0], output_final_state=True, chunk_size=8)
    outs, fins = (out if isinstance(out, tuple) else (out,)), (fin if isinstance(fin, tuple) else (fin,))
    dO = tuple(torch.randn(o.shape, generator=g, dtype=torch.float64) for o in outs)
    dF = tuple(torch.randn(f.shape, generator=g, dtype=torch.float64) for f in fins)
    if not op.module.SP_INFO["linear_epilogue"]:
        assert _divides_by_a_read(spec), name  # o = S^T q / (z^T q + eps)
        with pytest.raises(ValueError, match="not affine"):
            op.module._lindsl_carry_adjoint(*xs, d_outputs=dO, d_final_states=dF)
        return
    ref = torch.autograd.grad(list(outs) + list(fins), S0, list(dO) + list(dF))
    got = op.module._lindsl_carry_adjoint(*xs, d_outputs=dO, d_final_states=dF, chunk_size=4)
    for a, b in zip(got, ref):
        assert (a - b).abs().max() <= 1e-12 * b.abs().max()


def test_plan_says_which_executor_form():
    """The plan (and `lindsl plan`) names the executor's form and why: summary-first by default, saying for diagonal
    transitions with an affine epilogue that the LASP-2 form also applies and why it is not the default, for dense
    transitions and non-affine outputs why it is the only form; forced, LASP-2 where it applies (its own compute on
    the critical path is the correction, below a summary state pass) and an error elsewhere."""
    for name, why in (("gla", "LASP-2 form also applies"), ("retnet", "LASP-2 form also applies"),
                      ("gated_deltanet", "dense K x K"), ("linear_attn_normalized", "not affine")):
        p = plan_spec(name, 2, "512K", 16)
        assert p.form == "summary-first" and why in p.form_reason, (name, p.form, p.form_reason)
        assert "executor form: summary-first" in str(p)
        assert Plan.from_json(p.to_json()) == p
    lasp, summ = plan_spec("gla", 2, "512K", 16, form="lasp2"), plan_spec("gated_deltanet", 2, "512K", 16)
    assert lasp.form == "lasp2" and "diagonal" in lasp.form_reason and "executor form: lasp2" in str(lasp)
    assert "correction" in lasp.extra["fwd_what"] and "summary" in summ.extra["fwd_what"]
    assert lasp.extra["fwd_s"] < summ.extra["fwd_s"]
    with pytest.raises(ValueError, match="cannot run the lasp2 form"):
        plan_spec("gated_deltanet", 2, "512K", 16, form="lasp2")
    assert plan_spec("gla", 1, "512K", 16).extra == {}
