"""Kernelized pair scores (lindsl/passes/kernelize.py): the feature maps' dot product as a polynomial in the bases'
dot product, found from the IR and proved with sympy."""
import random
from pathlib import Path

import sympy as sp

from lindsl import parse_file, parse_spec
from lindsl.ir import Num
from lindsl.passes.kernelize import PairScore, _sym, kernelized_reads, prove_pair_score
from lindsl.passes.normalize import normalize
from lindsl.search.mutate import mutate

ROOT = Path(__file__).resolve().parents[1]


def scores(spec):
    n = normalize(spec)
    return n, kernelized_reads(n)


def proved(n, i, score):
    return prove_pair_score(n, i, score)


def test_based_scores_are_one_plus_s_plus_half_s_squared():
    """Based's phi(q) . phi(k) = 1 + (q . k) / sqrt(K) + (q . k)^2 / (2 K), for both reads (S's and the normalizer
    z's), proved at K = 2; a wrong coefficient is refused by the proof."""
    n, found = scores(parse_file(ROOT / "library" / "based.lin"))
    assert set(found) == {0, 1}
    K = sp.Symbol("K", positive=True)
    for i, score in found.items():
        assert [p for p, _ in score.coefs] == [0, 1, 2]
        want = [sp.Integer(1), 1 / sp.sqrt(K), 1 / (2 * K)]
        assert all(sp.simplify(_sym(c) - w) == 0 for (_, c), w in zip(score.coefs, want))
        assert (score.reader_base.name, score.source_base.name) == ("q", "k")
        assert proved(n, i, score)
        wrong = PairScore(score.reader_base, score.source_base, score.coefs[:2] + ((2, Num(1.0)),))
        assert not proved(n, i, wrong)
    assert found[0].text() == "1 + 1/sqrt(K) (q . k) + 1/(2*K) (q . k)^2"


SCALED_CUBE = """
lin cube
dim K, V
dim K2 = K^2
dim K3 = K^3
dim F = 1 + K3
in q[K], k[K], v[V], g: loggate
let fq = cat(2, kron(kron(q, q), q) / K)
let fk = cat(0.5, kron(k, kron(k, k)))
state S[F, V]
S = exp(g) S + fk v^T
out o = S^T fq
"""


def test_a_scalar_gated_cubic_map_kernelizes_and_is_proved():
    """A third-degree map under a scalar gate (which factors out of the score): 2 * 0.5 + (q . k)^3 / K, found and
    proved whether both sides nest kron alike or not: kron(kron(q, q), q) against kron(k, kron(k, k)) pairs factor by
    factor (the flattened Kronecker product is associative); a kron whose factor is scaled inside the nesting
    (kron(kron(k, k) / 2, k)) is not flattened, and against three factors it is refused."""
    for source in (SCALED_CUBE, SCALED_CUBE.replace("kron(k, kron(k, k))", "kron(kron(k, k), k)")):
        n, found = scores(parse_spec(source))
        assert list(found) == [0] and [p for p, _ in found[0].coefs] == [0, 3]
        assert proved(n, 0, found[0])
    scaled_inside = SCALED_CUBE.replace("kron(k, kron(k, k))", "kron(kron(k, k) / 2, k)")
    assert scores(parse_spec(scaled_inside))[1] == {}


def test_maps_without_a_polynomial_score_are_not_kernelized():
    """softmax features (Hedgehog), plain keys (linear attention), a per-dimension key gate inside the dot (GLA's
    with a Taylor map), a per-token scalar part, and different bases on one side are all left to the features'
    products."""
    for name in ("hedgehog", "linear_attn", "retnet"):
        assert scores(parse_file(ROOT / "library" / f"{name}.lin"))[1] == {}
    gated = SCALED_CUBE.replace("g: loggate", "g[F]: loggate").replace("exp(g) S", "diag(exp(g)) S")
    assert scores(parse_spec(gated.replace("kron(k, kron(k, k))", "kron(kron(k, k), k)")))[1] == {}
    per_token = SCALED_CUBE.replace("g: loggate", "g: loggate, c").replace(
        "cat(0.5, ", "cat(c, ").replace("kron(k, kron(k, k))", "kron(kron(k, k), k)")
    assert scores(parse_spec(per_token))[1] == {}
    two_bases = SCALED_CUBE.replace("g: loggate", "g: loggate, p[K]").replace(
        "kron(kron(q, q), q)", "kron(kron(q, p), q)").replace("kron(k, kron(k, k))", "kron(kron(k, k), k)")
    assert scores(parse_spec(two_bases))[1] == {}


def test_search_children_with_the_taylor_map_kernelize():
    """expand_features' Taylor-2 child of RetNet (a scalar decay) scores from the base dot product, proved."""
    retnet = parse_file(ROOT / "library" / "retnet.lin")
    for seed in range(12):
        child, desc = mutate(retnet, "expand_features", random.Random(seed))
        if desc.endswith("taylor2"):
            break
    n, found = scores(child)
    assert found and all(proved(n, i, s) for i, s in found.items())
    assert all(s.degree == 2 for s in found.values())


SHIFTED_READ = """
lin shifted
dim K, V
dim K2 = K^2
dim F = 1 + K + K2
in q[K], k[K], v[V]
state S[F, V]
S = S + cat(1, k, kron(k, k)) v^T
out o = S^T cat(1, q + 0.5 * q[t-2], kron(q + 0.5 * q[t-2], q + 0.5 * q[t-2]))
"""


def test_a_token_shifted_base_in_the_read_is_proved():
    """A base made of the current and an earlier token written in the out line (a token shift, as the search
    injects): the score's base is the whole shifted expression, and the proof gives the earlier token its own
    symbols (fuzz seed 5005 found the proof crashing on it)."""
    n, found = scores(parse_spec(SHIFTED_READ))
    assert list(found) == [0] and [p for p, _ in found[0].coefs] == [0, 1, 2]
    assert proved(n, 0, found[0])
