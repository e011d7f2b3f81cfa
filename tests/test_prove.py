"""The sympy proof of the normalize rewrite can fail: a corrupted canonical form is caught."""
import dataclasses

import lindsl
from lindsl import types as T
from lindsl.ir import Num
from lindsl.passes.normalize import Pair
from lindsl.passes.prove import prove_normalized


def test_library_specs_are_proved():
    for name in ("gla", "kda", "rwkv7", "mom_gated_deltanet"):
        assert prove_normalized(lindsl.load(name).compiled.normalized).startswith("proved")


def test_wrong_gate_is_caught():
    n = lindsl.load("gla").compiled.normalized
    c = n.canon["S"]
    bad = dataclasses.replace(c, key_gate=T.binary("*", Num(2.0), c.key_gate))
    n2 = dataclasses.replace(n, canon={"S": bad})
    assert prove_normalized(n2).startswith("FAILED")


def test_wrong_rank_one_factor_is_caught():
    n = lindsl.load("deltanet").compiled.normalized
    c = n.canon["S"]
    p = c.pairs[0]
    bad = dataclasses.replace(c, pairs=[Pair(T.binary("*", Num(0.5), p.b), p.a)])
    n2 = dataclasses.replace(n, canon={"S": bad})
    assert prove_normalized(n2).startswith("FAILED")
