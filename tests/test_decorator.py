"""The Python decorator frontend (lindsl.rule): the decorator form of every library spec compiles to the same IR as
its .lin file and runs; Python semantics (read before / after the update, composed assignments, unpacking);
errors point at the offending line and column of the Python source."""
from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pytest
import torch

import lindsl
from lindsl import I, In, Param, State, diag, dims, exp, l2norm, loggate, routed, topk, unit
from lindsl.check import default_sizes, random_inputs
from lindsl.errors import LinError
from lindsl.frontend import parse_file, parse_spec
from lindsl.frontend.printer import spec_key
from lindsl.frontend.python import spec_of

ROOT = Path(__file__).resolve().parents[1]
LIB_NAMES = sorted(p.stem for p in (ROOT / "library").glob("*.lin"))
M, K, V = dims("M K V")


@pytest.fixture(scope="module")
def rules():
    spec = importlib.util.spec_from_file_location("library_rules", ROOT / "examples" / "library_rules.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.RULES


def test_every_library_spec_has_a_rule(rules):
    assert len(LIB_NAMES) >= 14 and sorted(rules) == LIB_NAMES


@pytest.mark.parametrize("name", LIB_NAMES)
def test_rule_ir_equals_lin(rules, name):
    op = rules[name]
    assert spec_key(op.spec) == spec_key(parse_file(ROOT / "library" / f"{name}.lin"))
    assert op.spec.file.endswith("library_rules.py")


@pytest.mark.parametrize("name", LIB_NAMES)
def test_rule_runs_like_lin(rules, name):
    op = rules[name]
    ref = lindsl.load(ROOT / "library" / f"{name}.lin")
    args = random_inputs(op.spec, 1, 19, 2, default_sizes(op.spec), seed=1)
    for a in args.values():
        a.requires_grad_(True)
    out, fin = op(*args.values(), output_final_state=True, chunk_size=16)
    out_ref, fin_ref = ref(*args.values(), output_final_state=True, chunk_size=16)
    torch.testing.assert_close(out, out_ref)
    out.square().sum().backward()
    assert all(torch.isfinite(a.grad).all() for a in args.values() if a.grad is not None)


def test_lindsl_names_match_the_frontend():
    from lindsl.frontend import python as py
    assert lindsl._PY_NAMES == (set(py.__all__) | set(py.HELPERS)) - {"spec_of"} | {"spec_of"}
    with pytest.raises(AttributeError):
        lindsl.not_a_name  # noqa: B018


# ---------------------------------------------------------------- semantics
def _composed(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[loggate]):
    S = exp(g) * S
    S += k @ v.T
    return S.T @ q


def _one_line(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[loggate]):
    S = exp(g) * S + k @ v.T
    return S.T @ q


def test_assignments_to_a_state_compose():
    a, b = spec_of(_composed, name="x"), spec_of(_one_line, name="x")
    assert spec_key(a) == spec_key(b)


def _before_and_after(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[K, loggate]):
    old = S.T @ q
    S = diag(exp(g)) @ S + k @ v.T
    new = S.T @ q
    return old, new


def test_reads_before_and_after_the_update():
    spec = spec_of(_before_and_after)
    text = "lin _before_and_after\ndim K, V\nin q[K], k[K], v[V]\nin g[K]: loggate\nstate S[K, V]\n" \
           "S = diag(exp(g)) S + k v^T\nout old = S[t-1]^T q\nout new = S^T q\n"
    assert spec_key(spec) == spec_key(parse_spec(text))
    assert [n for n, _ in spec.outputs] == ["old", "new"]


def _routed_with_module_prefix(S: State[M, K, V], q: In[K], k: In[K], v: In[V], r: In[M], beta: In[unit]):
    sel = lindsl.topk(r, 2)
    kn = lindsl.l2norm(k)
    S = lindsl.routed(sel, (lindsl.I - beta * lindsl.outer(kn, kn)) @ S + beta * kn @ v.T)
    o = lindsl.sum(sel * (S.T @ q), M)
    return o


def test_module_prefix_and_helpers():
    spec = spec_of(_routed_with_module_prefix)
    text = "lin _routed_with_module_prefix\ndim M, K, V\nin q[K], k[K], v[V], r[M], beta: unit\nlet sel = topk(r, 2)\n" \
           "let kn = l2norm(k)\nstate S[M, K, V] routed by sel\nS = (I - beta * (kn kn^T)) S + beta * kn v^T\n" \
           "out o = sum(sel * (S^T q), M)\n"
    assert spec_key(spec) == spec_key(parse_spec(text))


def test_rule_decorator_returns_an_op_and_the_source_is_lin():
    op = lindsl.rule(_one_line)
    assert op.spec.name == "_one_line" and op.spec.source.startswith("lin _one_line\n")
    assert spec_key(parse_spec(op.spec.source)) == spec_key(op.spec)
    q, k, v = (torch.randn(1, 5, 1, 3, dtype=torch.float64) for _ in range(3))
    v = v[..., :2].contiguous()
    g = -torch.rand(1, 5, 1, dtype=torch.float64)
    o, _ = op(q, k, v, g)
    assert o.shape == (1, 5, 1, 2)
    assert lindsl.jit is lindsl.rule


# ---------------------------------------------------------------- errors point at the Python source
def _line_of(fn, marker: str) -> int:
    lines, start = inspect.getsourcelines(fn)
    return start + next(i for i, ln in enumerate(lines) if marker in ln)


def _err(fn, **kw) -> LinError:
    """The error of compiling fn with @lindsl.rule (parse, type check, then the passes)."""
    with pytest.raises(LinError) as ei:
        lindsl.rule(fn, **kw)
    return ei.value


def _bad_operator(S: State[K, V], q: In[K], k: In[K], v: In[V]):
    S = S + k // v  # ERR
    return S.T @ q


def _unknown_name(S: State[K, V], q: In[K], k: In[K], v: In[V]):
    S = S + k @ vv.T  # ERR  # noqa: F821
    return S.T @ q


def _wrong_shapes(S: State[K, V], q: In[K], k: In[K], v: In[V]):
    S = S + k @ v  # ERR
    return S.T @ q


def _unknown_function(S: State[K, V], q: In[K], k: In[K], v: In[V]):
    S = S + softmaxx(k) @ v.T  # ERR  # noqa: F821
    return S.T @ q


def _control_flow(S: State[K, V], q: In[K], k: In[K], v: In[V]):
    if q:  # ERR
        S = S + k @ v.T
    return S.T @ q


def _ungated(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[K]):
    S = diag(exp(g)) @ S + k @ v.T  # ERR
    return S.T @ q


def _between(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[loggate]):
    S = exp(g) * S
    mid = S.T @ q  # ERR
    S = S + k @ v.T
    return mid


def _unicode(S: State[K, V], q: In[K], k: In[K], v: In[V], β: In[unit]):  # ERR
    S = S + β * k @ v.T
    return S.T @ q


def _future(S: State[K, V], q: In[K], k: In[K], v: In[V]):
    S = S + k[t + 1] @ v.T  # ERR  # noqa: F821
    return S.T @ q


def _no_annotation(S: State[K, V], q, k: In[K], v: In[V]):  # ERR
    S = S + k @ v.T
    return S.T @ q


def _no_return(S: State[K, V], q: In[K], k: In[K], v: In[V]):  # ERR
    S = S + k @ v.T


def _twice(S: State[K, V], q: In[K], k: In[K], v: In[V]):
    kn = l2norm(k)
    kn = l2norm(kn)  # ERR
    S = S + kn @ v.T
    return S.T @ q


def _state_in_let_route(S: State[M, K, V], q: In[K], k: In[K], v: In[V], r: In[M]):
    S = routed(r, S + k @ v.T)  # ERR
    return sum(S.T @ q, M)


def _never_updated(S: State[K, V], q: In[K], k: In[K], v: In[V]):  # ERR
    return S.T @ q


def _unused_read(S: State[K, V], q: In[K], k: In[K], v: In[V]):
    S = S + k @ v.T
    extra = S.T @ k  # ERR
    return S.T @ q


CASES = [
    (_bad_operator, "unsupported operator '//'", "k // v"),
    (_unknown_name, "undefined name 'vv'", "vv"),
    (_wrong_shapes, "shape mismatch", "k @ v"),
    (_unknown_function, "unknown function 'softmaxx' (did you mean 'softmax'?)", "softmaxx"),
    (_control_flow, "unsupported statement (if)", "if q:"),
    (_ungated, "cannot show that the key-side decay", None),
    (_between, "reads S between two of its assignments", "S.T"),
    (_unicode, "is not a lindsl name", "β"),
    (_future, "depends on a future token", "k[t + 1]"),
    (_no_annotation, "parameter 'q' needs an annotation", "q"),
    (_no_return, "the rule returns nothing", None),
    (_twice, "'kn' is assigned twice", "kn"),
    (_state_in_let_route, "routing mask must be a 0/1 selection", "r"),
    (_never_updated, "state S is declared but never updated", "S"),
    (_unused_read, "'extra' reads a state but is not used", "extra"),
]


@pytest.mark.parametrize("fn,message,at", CASES, ids=[c[0].__name__ for c in CASES])
def test_errors_point_at_the_python_line(fn, message, at):
    err = _err(fn)
    assert message in err.message
    assert err.loc is not None and err.loc.file == __file__
    assert err.loc.line == _line_of(fn, "# ERR"), err.render()
    if at is not None:
        assert err.loc.text[err.loc.col - 1:].startswith(at), err.render()
    text = err.render()
    assert text.startswith(f"{__file__}:{err.loc.line}:{err.loc.col}: error: ") and "^" in text


def test_normalize_errors_point_at_the_python_expression():
    err = _err(_ungated)
    assert err.loc.text.strip().startswith("S = diag(exp(g)) @ S")
    assert "loggate" in err.hint


def test_dims_must_list_every_dimension():
    err = _err(_one_line, dims="K")
    assert "does not list V" in err.message


F1, F2 = dims("F1 = 1 + K, F2 = 1 + J")


def _feature_rule(S: State[F1, V], q: In[K], k: In[K], v: In[V]):
    S = S + lindsl.cat(1, k) @ v.T
    return S.T @ lindsl.cat(1, q)


def _bad_size_rule(S: State[F2, V], q: In[K], k: In[K], v: In[V]):
    S = S + lindsl.cat(1, k) @ v.T
    return S.T @ lindsl.cat(1, q)


def test_derived_dims_from_markers():
    """A derived dim's size comes from its dims() marker (or dims=); the dims its size names come first; an error in
    a size points at the rule's def line."""
    spec = spec_of(_feature_rule)
    assert spec.dims == ["K", "F1", "V"] and spec.derived_dims == {"F1": ((1, ()), (1, (("K", 1),)))}
    assert spec_of(_feature_rule, dims="V K F1").dims == ["V", "K", "F1"]
    err = _err(_bad_size_rule)
    assert "unknown dimension 'J'" in err.message and err.loc.text.startswith("def _bad_size_rule")
    with pytest.raises(LinError, match="needs a size"):
        dims("F = ")


def test_functions_without_source_are_rejected():
    ns = {}
    exec("def f(S, q):\n    return q\n", ns)  # noqa: S102
    with pytest.raises(LinError, match="cannot read the source"):
        spec_of(ns["f"])
    with pytest.raises(TypeError, match="building block"):
        exp(torch.zeros(1))
    assert isinstance(topk, object) and I is lindsl.I and Param is lindsl.Param


def test_nested_rules_and_python_hints():
    def make():
        @lindsl.rule
        def nested(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[loggate]):
            S = exp(g) * S + k @ v.T
            return S.T @ q
        return nested

    assert make().spec.source.splitlines()[-2] == "S = exp(g) * S + k v^T"
    err = _err(_wrong_shapes)
    assert "k.T @ v" in err.hint and "k @ v.T" in err.hint
    err = _err(_ungated)
    assert "In[..., loggate]" in err.hint
