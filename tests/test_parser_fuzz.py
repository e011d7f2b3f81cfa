"""Fuzzing the frontend: any text either compiles (parse_spec + normalize) or raises LinError.

Never another exception (a crash in the parser, the builder or the typed constructors is a bug), and
every LinError must render, point inside the source, and show the source line it names.
(a) arbitrary text and token soups; (b) mutations of the library specs (delete / duplicate / swap /
replace tokens, insert operators and names, drop / repeat / swap lines), which stay close enough to
valid specs to reach the type checker and the normalize pass.
"""
from __future__ import annotations

import re
import traceback
from importlib import resources

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lindsl.errors import LinError
from lindsl.frontend import parse_spec
from lindsl.ir import BUILTINS, ROLES, render
from lindsl.passes.normalize import Normalized, normalize

LIBRARY = {p.name: p.read_text() for p in resources.files("lindsl.library").iterdir() if p.name.endswith(".lin")}
FILE = "fuzz.lin"

# Exceptions inside lindsl/passes that are known, reported bugs (see the strict-xfail tests in
# tests/test_errors.py). Matched narrowly: exception type and the function that raised it.
KNOWN_PASS_BUGS = {
    ("OverflowError", "bounds"),  # normalize.bounds: float ** overflows for huge literal bounds (10^400)
}


def source_lines(text: str) -> list[str]:
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def check_error(err: LinError, text: str, frontend: bool) -> None:
    rendered = str(err)
    assert rendered and err.message, "a LinError needs a message"
    if frontend:
        assert err.loc is not None, f"frontend error without a location: {rendered}"
    if err.loc is None:
        return
    lines = source_lines(text)
    loc = err.loc
    assert loc.file == FILE
    assert 1 <= loc.line <= len(lines), f"line {loc.line} outside 1..{len(lines)}: {rendered}"
    assert loc.text == lines[loc.line - 1], f"wrong source line for {loc}: {loc.text!r}"
    assert 1 <= loc.col <= len(loc.text) + 2, f"column {loc.col} outside the line: {rendered}"
    if loc.text:
        assert "^" in rendered


def check_valid(spec, norm) -> None:
    assert isinstance(norm, Normalized)
    names = [s.name for s in spec.states]
    assert set(norm.canon) == set(names) and set(spec.updates) == set(names)
    assert spec.outputs and len(norm.epilogue) == len(spec.outputs)
    assert {r.state for r in norm.reads} == set(names), "every state is read"
    for name, e in spec.outputs:
        assert e.ty.kind in ("vec", "scalar") and e.ty.mem is None
        render(e)
    for st_ in spec.states:
        c = norm.canon[st_.name]
        for g in (c.key_gate, c.value_gate):
            if g is not None:
                assert g.ty.kind in ("scalar", "vec")
                render(g)
        for r in c.inputs:
            render(r.k)
    for _, e in spec.lets:
        assert e.ty.kind in ("scalar", "vec")
    for i in spec.inputs:
        assert i.role in ROLES


def check(text: str) -> None:
    stage = "parse"
    try:
        spec = parse_spec(text, FILE)
        stage = "normalize"
        norm = normalize(spec)
    except LinError as err:
        check_error(err, text, frontend=(stage == "parse"))
        return
    except Exception as e:  # noqa: BLE001 - the property under test
        frame = traceback.extract_tb(e.__traceback__)[-1]
        if stage == "normalize" and "/passes/" in frame.filename.replace("\\", "/") \
                and (type(e).__name__, frame.name) in KNOWN_PASS_BUGS:
            return
        raise AssertionError(f"{stage} raised {type(e).__name__}: {e}\n--- source ---\n{text}") from e
    check_valid(spec, norm)


# --------------------------------------------------------------------------- (a) arbitrary text
KEYWORDS = ["lin", "dim", "in", "param", "option", "let", "state", "out", "routed", "by"]
PIECES = (KEYWORDS + list(BUILTINS) + list(ROLES)
          + ["S", "P", "z", "q", "k", "v", "g", "beta", "r", "K", "V", "M", "I", "t", "head", "H", "sel", "scale",
             "chunk",
             "+", "-", "*", "/", "@", "^", "^T", "(", ")", "[", "]", ",", "=", ":", "#", "\n", "\n", "\n", "\r\n",
             "\\\n", "0", "1", "2", "0.5", "1e-6", "1e999", "64", "t-1", "t+1", "[t-1]", " ", "\t", "\f", "$",
             "\u2028"])

ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs",))
ARBITRARY = st.one_of(
    st.text(ALPHABET, max_size=200),
    st.text(st.sampled_from("abcKVMSIqkvtg_0123456789 \t\n\r\f+-*/@^T()[],=:#.$\\"), max_size=200),
    st.lists(st.sampled_from(PIECES), max_size=60).map(" ".join),
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARBITRARY)
@example("")
@example("\n\n")
@example("lin")
@example("state S[K, V]\n")
@example("lin x\ndim K, V\nin q[K], k[K], v[V]\nlet z = q\x0c+ k\nstate S[K, V]\nS = S + kk v^T\nout o = S^T q\n")
@example("lin x\ndim K\nin q[K]\nlet z = " + "-" * 3000 + "q\n")
@example("lin x\ndim K\nin q[K]\nlet z = " + "(" * 3000 + "q" + ")" * 3000 + "\n")
@example("lin x\ndim K, V\nin q[K], k[K], v[V]\nlet z = sum(q, k)\nstate S[K, V]\nS = S + k v^T\nout o = S^T q\n")
@example("lin x\ndim K, V\nin q[K], k[K], v[V]\noption c = 2\nstate S[K, V]\nS = S + k v^T\nout o = S^T (c[t-1] * q)\n")
@example("lin x\ndim K, V\nin q[K], k[K], v[V]\nstate S[K, V]\nS = S + k[t-1e999] v^T\nout o = S^T q\n")
@example("lin x\ndim K, V\nin q[K], k[K], v[V]\nstate S[K, V]\nS = S + k v^T\nout o = S^T q\r\n\u2028$")
def test_arbitrary_text(text):
    check(text)


# --------------------------------------------------------------------------- (b) mutated library specs
TOKEN = re.compile(r"\^T(?![A-Za-z0-9_])|[A-Za-z_][A-Za-z0-9_]*|\d+\.\d*(?:[eE][-+]?\d+)?|\.\d+|\d+(?:[eE][-+]?\d+)?"
                   r"|#.*|\S")
INSERTS = ["+", "-", "*", "/", "@", "^", "^T", "(", ")", "[", "]", ",", "=", ":", "[t-1]", "[t+1]", "[t]",
           "S", "S[t-1]", "P", "I", "t", "head", "H", "K", "V", "M", "q", "k", "v", "g", "beta", "kn", "sel", "w",
           "scale", "foo", "exp(", "diag(", "l2norm(", "sum(", "topk(", "softmax(", "sigmoid(", "log(", "min(",
           "0", "1", "2", "0.5", "-1", "1e999", "routed by", "state", "let", "out", "in", "param", "option", "dim",
           ": loggate", ": unit", ": positive", ": logate", "[K]", "[M, K]", "[K, V]", "^-1", "^2", "k v^T",
           "kn kn^T", "(I - beta * kn kn^T)", "diag(exp(g))", "exp(g) *", "S^T q", "sum(w * (S^T q), M)"]


@st.composite
def mutated_spec(draw):
    name = draw(st.sampled_from(sorted(LIBRARY)))
    lines = LIBRARY[name].split("\n")
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            lines = [""]
        i = draw(st.integers(0, len(lines) - 1))
        toks = TOKEN.findall(lines[i])
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "replace", "drop_line", "repeat_line",
                                   "swap_lines", "join_lines"]))
        if op == "drop_line":
            del lines[i]
            continue
        if op == "repeat_line":
            lines.insert(draw(st.integers(0, len(lines))), lines[i])
            continue
        if op == "swap_lines":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            continue
        if op == "join_lines" and i + 1 < len(lines):
            lines[i:i + 2] = [lines[i] + " " + lines[i + 1]]
            continue
        if op == "insert" or not toks:
            toks.insert(draw(st.integers(0, len(toks))), draw(st.sampled_from(INSERTS)))
        elif op == "delete":
            del toks[draw(st.integers(0, len(toks) - 1))]
        elif op == "duplicate":
            j = draw(st.integers(0, len(toks) - 1))
            toks.insert(j, toks[j])
        elif op == "swap":
            j, k = draw(st.integers(0, len(toks) - 1)), draw(st.integers(0, len(toks) - 1))
            toks[j], toks[k] = toks[k], toks[j]
        else:
            toks[draw(st.integers(0, len(toks) - 1))] = draw(st.sampled_from(INSERTS))
        sep = draw(st.sampled_from([" ", ""]))
        lines[i] = sep.join(toks)
    return "\n".join(lines)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_spec())
def test_mutated_library_specs(text):
    check(text)


def test_library_specs_compile():
    """The unmutated library is the base of (b): every spec must compile."""
    for name, text in LIBRARY.items():
        spec = parse_spec(text, FILE)
        check_valid(spec, normalize(spec))
