"""Specs with token shifts (x[t-n]) for the decoding tests: hand-written ones and random mutants of library specs
with a shift injected. No library spec reads a shifted input today (rwkv6's S[t-1] is a state shift), so the
library entries are found by looking and are usually none."""
from __future__ import annotations

import glob
import os
import random

from lindsl import types as T
from lindsl.frontend import parse_spec
from lindsl.frontend.printer import to_lin
from lindsl.ir import Num, Var
from lindsl.search.mutate import MUTATIONS, NotApplicable, mutate, replace_vars

LIBRARY = sorted(os.path.basename(p)[:-4] for p in glob.glob(os.path.join(os.path.dirname(__file__), "..", "library",
                                                                           "*.lin")))


def library_with_input_shifts() -> list[str]:
    """Library specs that read some input as x[t-n]."""
    from lindsl.runtime.op import spec_from
    out = []
    for name in LIBRARY:
        s = spec_from(name)
        exprs = [e for _, e in s.lets] + list(s.updates.values()) + [e for _, e in s.outputs]
        if any(isinstance(v, Var) and v.kind == "input" and v.shift < 0 for e in exprs for v in e.walk()):
            out.append(name)
    return out


# RWKV-style token shift (lerp of x_t and x_(t-1) with a learned per-channel mix) on r, k and v of GLA, a shift of
# two on the key of a delta rule, and shifts in the output.
HAND = {
    "gla_token_shift": """lin gla_token_shift
dim K, V
in r[K], k[K], v[V]
in w[K]: loggate
param mu[K], nu[V]
option scale = K^-0.5
let ks = k + mu * (k[t-1] - k)
let vs = v + nu * (v[t-1] - v)
state S[K, V]
S = diag(exp(w)) S + ks vs^T
out o = S^T (scale * (r + r[t-1]))
""",
    "delta_shift2": """lin delta_shift2
dim K, V
in q[K], k[K], v[V]
in beta: unit
in g: loggate
option scale = K^-0.5
let kn = l2norm(k + 0.5 * k[t-2] - 0.25 * k[t-1])
state S[K, V]
S = exp(g) * (I - beta * kn kn^T) S + beta * kn (v + v[t-1])^T
out o = S^T (scale * l2norm(q[t-2] + q))
""",
}


# The draw's pools, fixed so that a seed keeps naming the same mutant as specs and mutations are added (the tests
# pick seeds for what their mutants exercise: test_fused_step's need a fused decode step)
MUTANT_PARENTS = ("deltanet", "gated_deltanet", "gla", "hgrn2", "kda", "lightning", "linear_attn",
                  "linear_attn_normalized", "mamba2", "mom_gated_deltanet", "retnet", "rwkv6", "rwkv7", "sse_gla")
MUTANT_OPS = ("add_delta", "add_gate", "add_normalizer", "bonus_readout", "feature_map", "gate_form", "gate_to_scalar",
              "gate_to_vector", "remove_delta", "remove_gate", "route", "swap_factors", "tie_input", "value_gate")


def shifted_mutant(seed: int) -> str:
    """A random mutant of a random library spec (one to three mutations) with token shifts injected: one or two of
    its real per-token inputs x become x + c x[t-n] (n in 1, 2) wherever they are read. Returns .lin text."""
    rng = random.Random(seed)
    assert set(MUTANT_OPS) <= set(MUTATIONS) and set(MUTANT_PARENTS) <= set(LIBRARY)
    for _ in range(100):
        spec = parse_spec(open(os.path.join(os.path.dirname(__file__), "..", "library",
                                            rng.choice(MUTANT_PARENTS) + ".lin")).read(), "<parent>")
        for _ in range(rng.randint(1, 3)):
            try:
                spec, _ = mutate(spec, rng.choice(MUTANT_OPS), rng)
            except NotApplicable:
                pass
        cands = [d for d in spec.inputs if d.kind == "input" and d.role == "real" and d.ty.dims]
        if not cands:
            continue
        mapping = {}
        for d in rng.sample(cands, min(len(cands), rng.randint(1, 2))):
            n = rng.choice([1, 2])
            mapping[d.name] = T.binary("+", Var(d.name, "input", 0, d.ty),
                                       T.binary("*", Num(rng.choice([0.5, -0.75])), Var(d.name, "input", -n, d.ty)))
        spec.lets = [(nm, replace_vars(e, mapping)) for nm, e in spec.lets]
        spec.updates = {k: replace_vars(e, mapping) for k, e in spec.updates.items()}
        spec.outputs = [(nm, replace_vars(e, mapping)) for nm, e in spec.outputs]
        spec.name = f"mutant{seed}"
        try:
            return to_lin(parse_spec(to_lin(spec), f"<mutant{seed}>"))
        except Exception:  # noqa: BLE001 - the injected shift does not type-check here: try another mutant
            continue
    raise RuntimeError(f"no shifted mutant for seed {seed}")
