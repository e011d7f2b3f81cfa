"""Malformed and unsupported specs: each must raise one LinError at the right place, with a hint.

Every case goes through both stages, parse_spec (grammar, names, types) and normalize (the supported
algebra), exactly as the compiler runs them.
"""
from __future__ import annotations

import pytest

from lindsl.errors import LinError
from lindsl.frontend import parse_spec
from lindsl.passes.normalize import normalize

HEAD = "lin x\ndim K, V\nin q[K], k[K], v[V]\n"          # lines 1-3
HEAD_KK = "lin x\ndim K\nin q[K], k[K], v[K]\n"          # a square state [K, K]
HEAD_M = ("lin x\ndim M, K, V\nin q[K], k[K], v[V]\nin r[M]\n"
          "let sel = topk(r, 1)\n")                        # lines 1-5
FEAT = "lin x\ndim K, V\ndim F = 1 + K\nin q[K], k[K], v[V]\n"  # lines 1-4: a derived dim
UPD = "S = S + k v^T\n"
OUT = "out o = S^T q\n"
STATE = "state S[K, V]\n"


def compile_spec(text: str):
    return normalize(parse_spec(text, "x.lin"))


# (id, source, line, col, message fragment, hint fragment or None)
CASES = [
    # ---- syntax
    ("missing-operand", HEAD + STATE + "S = S + \n" + OUT, 5, 9, "syntax error: unexpected end of line",
     "expected '('"),
    ("missing-operand-mid", HEAD + STATE + "S = S + * k v^T\n" + OUT, 5, 9, "unexpected '*'", "a name"),
    ("bad-character", HEAD + STATE + "S = S + k $ v^T\n" + OUT, 5, 11, "unexpected character '$'",
     "names are letters"),
    ("unclosed-paren", HEAD + STATE + "S = (S + k v^T\n" + OUT, 5, 15, "syntax error",
     "the '(' at column 5 is never closed"),
    ("unclosed-call", HEAD + "let z = exp(sigmoid(q)\n" + STATE + UPD + OUT, 4, 23, "syntax error",
     "the '(' at column 12 is never closed"),
    ("extra-paren", HEAD + STATE + "S = S + k v^T)\n" + OUT, 5, 14, "unexpected ')'", "no matching '('"),
    ("unknown-keyword", HEAD + "stat S[K, V]\n" + UPD + OUT, 4, 1, "unknown statement 'stat'",
     "did you mean 'state'?"),
    ("unknown-keyword-out", HEAD + STATE + UPD + "output o = S^T q\n", 6, 1, "unknown statement 'output'",
     "did you mean 'out'?"),
    ("missing-shape", HEAD + "state S\n" + UPD + OUT, 4, 8, "syntax error: unexpected end of line",
     "expected '['"),
    ("statement-first", "S = S + k v^T\nlin x\n", 1, 1, "undeclared state 'S'", "declare it first"),
    # ---- names
    ("undefined-name", HEAD + STATE + "S = S + kk v^T\n" + OUT, 5, 9, "undefined name 'kk'",
     "did you mean 'k'?"),
    ("undefined-in-out", HEAD + STATE + UPD + "out o = S^T qq\n", 6, 13, "undefined name 'qq'",
     "did you mean 'q'?"),
    ("unknown-dimension", "lin x\ndim K, V\nin q[K], k[Q], v[V]\n" + STATE + UPD + OUT, 3, 12,
     "unknown dimension 'Q'", "dim Q"),
    ("unknown-dimension-state", HEAD + "state S[K, VV]\n" + UPD + OUT, 4, 12, "unknown dimension 'VV'",
     "did you mean 'V'?"),
    ("unknown-function", HEAD + STATE + "S = S + foo(k) v^T\n" + OUT, 5, 9, "unknown function 'foo'",
     "builtin functions"),
    ("unknown-function-suggest", HEAD + "let z = sigmod(q)\n" + STATE + UPD + OUT, 4, 9,
     "unknown function 'sigmod' (did you mean 'sigmoid'?)", "builtin functions"),
    ("builtin-without-call", HEAD + "let z = exp + q\n" + STATE + UPD + OUT, 4, 9, "'exp' is a builtin function",
     "must not be a builtin function's name"),
    ("unknown-constraint", HEAD + "in g: logate\n" + STATE + UPD + OUT, 4, 7, "unknown constraint 'logate'",
     "loggate"),
    ("keyword-as-value", HEAD + "let z = in + q\n" + STATE + UPD + OUT, 4, 9, "'in' is a keyword", "statements"),
    ("assign-non-state", HEAD + "let z = q\nz = q\n" + STATE + UPD + OUT, 5, 1, "'z' is not a state",
     "let NAME"),
    ("let-before-definition", HEAD + "let a = b + q\nlet b = k\n" + STATE + UPD + OUT, 4, 9,
     "'b' is used before its let", "move the let above"),
    # ---- shapes and types
    ("outer-needs-transpose", HEAD + STATE + "S = S + k v\n" + OUT, 5, 9,
     "column vector k [K] times column vector v [V]", "k v^T for an outer product"),
    ("add-K-to-V", HEAD + "let z = k + v\n" + STATE + UPD + OUT, 4, 9, "cannot add [V] to [K]",
     "same shape"),
    ("inner-dims", HEAD + STATE + UPD + "out o = S q\n", 6, 9, "inner dimensions V and K differ",
     "transpose one side"),
    ("elementwise-vectors", HEAD + "let z = k * v\n" + STATE + UPD + OUT, 4, 9, "elementwise [K] * [V]",
     "diag(x) S"),
    ("update-shape", HEAD + STATE + "S = S + v k^T\n" + OUT, 5, 5, "cannot add [V, K] to [K, V]", "same shape"),
    ("let-matrix", HEAD + "let m = k v^T\n" + STATE + UPD + OUT, 4, 9, "must be a scalar or a vector",
     "matrices appear only in state updates"),
    ("output-row", HEAD + STATE + UPD + "out o = q^T S\n", 6, 9, "output o must be a vector per token",
     "S^T q"),
    ("pow-vector-exponent", HEAD + "let z = 2^q\n" + STATE + UPD + OUT, 4, 9, "scalar exponent", "^T"),
    ("diag-scalar", HEAD + "in a\n" + STATE + "S = diag(a) S + k v^T\n" + OUT, 6, 5, "diag() takes a vector",
     "exp(g) * S"),
    ("sum-second-arg", HEAD + "let z = sum(q, k)\n" + STATE + UPD + OUT, 4, 16,
     "second argument of sum() must be a dimension", "sum(x, M)"),
    ("too-many-dims", HEAD + "in w[K, V, V]\n" + STATE + UPD + OUT, 4, 5, "at most two dims", "w[M, K]"),
    ("state-no-shape", HEAD + "state S[]\n" + UPD + OUT, 4, 8, "needs a shape", "state S[K, V]"),
    # ---- time
    ("future-token", HEAD + STATE + "S = S + k[t+1] v^T\n" + OUT, 5, 9, "'k[t+1]' depends on a future token",
     "only the current token and earlier"),
    ("time-index-name", HEAD + STATE + "S = S + k[s-1] v^T\n" + OUT, 5, 11, "time index must use t", "x[t-1]"),
    ("shift-on-param", HEAD + "param u[K]\n" + STATE + "S = S + u[t-1] v^T\n" + OUT, 6, 9,
     "param u is constant over time", "per-token inputs"),
    ("shift-on-option", HEAD + "option c = 2\n" + STATE + UPD + "out o = S^T (c[t-1] * q)\n", 7, 14,
     "'c' is constant over time", "time shifts apply to per-token inputs"),
    ("shift-on-dim", HEAD + "let z = K[t-1] * q\n" + STATE + UPD + OUT, 4, 9, "'K' is constant over time",
     "time shifts apply"),
    ("shift-on-let", HEAD + "let z = 2 * q\n" + STATE + UPD + "out o = S^T z[t-1]\n", 7, 13,
     "time shifts apply to inputs, not to lets",
     "shift the inputs inside the let"),
    ("state-shift-in-update", HEAD + STATE + "S = S[t-1] + k v^T\n" + OUT, 5, 5,
     "already means the previous state", "without a time index"),
    ("state-current-in-update", HEAD + STATE + "S = S[t] + k v^T\n" + OUT, 5, 5,
     "already means the previous state", "the state this line defines"),
    ("state-read-too-old", HEAD + STATE + UPD + "out o = S[t-2]^T q\n", 6, 9, "only S[t] and S[t-1]", "the one before"),
    # ---- states in the wrong place
    ("state-in-let", HEAD + STATE + "let z = S^T q\n" + UPD + OUT, 5, 9, "state S cannot be used in a let",
     "states are read in 'out' lines"),
    ("state-in-option", HEAD + STATE + "option c = S\n" + UPD + OUT, 5, 12, "state S cannot be used in an option",
     "states are read in 'out' lines"),
    ("update-reads-other-state", HEAD + STATE + "state P[K, V]\nS = S + P\nP = P + k v^T\n"
     "out o = S^T q + P^T q\n", 6, 9, "the update of S reads state P", "its own previous value"),
    ("head-in-option", HEAD + "option c = head + 1\n" + STATE + UPD + OUT, 4, 12, "cannot use 'head'", "let g"),
    ("input-in-option", HEAD + "option c = q\n" + STATE + UPD + OUT, 4, 12, "option values may use only", "use 'let'"),
    # ---- the supported algebra (normalize)
    ("not-linear-SS-shape", HEAD + STATE + "S = S S + k v^T\n" + OUT, 5, 5, "inner dimensions V and K",
     "transpose one side"),
    ("not-linear-SS-square", HEAD_KK + "state S[K, K]\nS = S S + k v^T\n" + OUT, 5, 5,
     "multiplies the state by itself", None),  # normalize gives no hint here (reported)
    ("not-linear-exp-matrix", HEAD + STATE + "S = exp(S) + k v^T\n" + OUT, 5, 5,
     "exp() applies elementwise to a scalar or vector, got [K, V]", "must be linear in the state"),
    ("not-linear-exp-vector", HEAD + "state z[K]\nz = exp(z) + k\nout o = z^T q\n", 5, 5,
     "the state appears inside exp()", "not functions"),
    ("not-linear-division", HEAD + "state z[K]\nz = k / z\nout o = z^T q\n", 5, 5, "division by the state",
     None),
    ("not-linear-elementwise", HEAD + "state z[K]\nz = k * z\nout o = z^T q\n", 5, 5,
     "elementwise product of the state", "diag(x)"),
    ("transposed-state", HEAD_KK + "state S[K, K]\nS = S^T + k v^T\n" + OUT, 5, 5, "transposed state in an update",
     "write the update for S itself"),
    ("value-side-nondiagonal", HEAD + STATE + "S = S (I - v v^T) + k v^T\n" + OUT, 5, 8,
     "unsupported value-side factor I - v v^T", "diag(exp(g))"),
    ("value-side-contraction", HEAD_KK + "state S[K, K]\nS = S + (S v) k^T\n" + OUT, 5, 10,
     "contracts the state's value side",
     "b (a^T S)"),
    ("gate-not-bounded-2", HEAD + STATE + "S = 2 * S + k v^T\n" + OUT, 5, 5,
     "cannot show that the key-side decay 2 is at most 1", "loggate"),
    ("gate-not-bounded-real", HEAD + "in g\n" + STATE + "S = exp(g) * S + k v^T\n" + OUT, 6, 5,
     "cannot show that the key-side decay exp(g) is at most 1", "': loggate'"),
    ("gate-not-bounded-value-side", HEAD + "in g[V]: positive\n" + STATE + "S = S diag(exp(g)) + k v^T\n" + OUT,
     6, 5, "value-side decay", "loggate"),
    ("gate-nonpositive", HEAD + STATE + "S = 0 * S + k v^T\n" + OUT, 5, 5, "not positive", None),
    ("no-diagonal-part", HEAD + STATE + "S = k (k^T S) + k v^T\n" + OUT, 5, 5, "has no diagonal part",
     "keep the previous state"),
    ("input-not-rank-one", HEAD_KK + "state S[K, K]\nS = S + diag(k)\n" + OUT, 5, 9,
     "not a sum of rank-one", "k v^T (a column times a row)"),
    ("update-without-state", HEAD + STATE + "S = k v^T\n" + OUT, 5, 5, "does not use its previous value",
     "S = S + k v^T"),
    # ---- whole-spec structure
    ("missing-update", HEAD + STATE + OUT, 4, 7, "state S is declared but never updated", "S = ..."),
    ("updated-twice", HEAD + STATE + UPD + UPD + OUT, 6, 1, "state S is updated twice", "one update per state"),
    ("undeclared-state", HEAD + STATE + UPD + "P = P + k v^T\n" + OUT, 6, 1, "undeclared state 'P'",
     "state P[K, V]"),
    ("missing-output", HEAD + STATE + UPD, 5, 1, "the spec has no output", "out o = S^T q"),
    ("no-state", HEAD + "out o = q\n", 1, 1, "declares no state", "state S[K, V]"),
    ("state-never-read", HEAD + STATE + "state P[K, V]\n" + UPD + "P = P + k v^T\n" + OUT, 5, 7,
     "state P is never read", "remove it"),
    ("state-not-read-as-product", HEAD + "state z[K]\nz = z + k\nout o = q * (z + z)\n", 6, 14,
     "state z must be read as z^T x", "z^T q"),
    ("output-keeps-memory-axis", HEAD_M + "state S[M, K, V] routed by sel\n" + UPD + OUT, 8, 9,
     "output o still has the memory axis M", "sum(w * (S^T q), M)"),
    ("route-unrouted-shape", HEAD_M + "state S[K, V, V, V] routed by sel\n" + UPD + OUT, 6, 8, "needs a shape",
     "routed by sel"),
    ("route-wrong-mask", HEAD_M + "state S[M, K, V] routed by q\n" + UPD
     + "out o = sum(S^T q, M)\n", 6, 28, "the routing mask must be a vector over M",
     "topk(r, 2)"),
    ("route-soft-mask", HEAD_M + "state S[M, K, V] routed by softmax(r)\n" + UPD + "out o = sum(S^T q, M)\n",
     6, 28, "must be a 0/1 selection", "sum(w * (S^T q), M)"),
    ("route-weighted-mask", HEAD_M + "let w = sel * softmax(r)\nstate S[M, K, V] routed by w\n" + UPD
     + "out o = sum(S^T q, M)\n", 7, 28, "must be a 0/1 selection", "weight the memories in the output"),
    ("topk-count", HEAD_M.replace("topk(r, 1)", "topk(r, k)") + "state S[M, K, V] routed by sel\n" + UPD
     + "out o = sum(S^T q, M)\n", 5, 11, "positive integer literal", "topk(r, 2)"),
    ("call-arity", HEAD + "let z = exp(q, k)\n" + STATE + UPD + OUT, 4, 9, "exp() takes 1 argument, got 2", "exp(x)"),
    ("call-arity-min", HEAD + "let z = min(q)\n" + STATE + UPD + OUT, 4, 9, "min() takes 2 arguments", "min(x, y)"),
    ("softmax-scalar", HEAD + "in x\nlet z = softmax(x)\n" + STATE + UPD + OUT, 5, 9, "softmax() takes a vector",
     "not needed"),
    ("sum-no-axis", HEAD_M + "let z = sum(q, M)\n" + "state S[K, V]\n" + UPD + OUT, 6, 9, "has no axis M",
     "memory axis M"),
    ("identity-times-scalar-above-one", HEAD + STATE + "S = (2 * I) S + k v^T\n" + OUT, 5, 5,
     "decay 2 is at most 1", "loggate"),
    ("identity-times-vector", HEAD + STATE + "S = (k * I) S + k v^T\n" + OUT, 5, 6, "the identity I can only be added",
     "c * S"),
    ("identity-not-square", HEAD + STATE + "S = (I + k v^T) S + k v^T\n" + OUT, 5, 6, "the matrix is not square",
     "identity matrix"),
    ("matmul-vec-mat", HEAD + STATE + UPD + "out o = q S\n", 6, 9, "cannot multiply [K] by [K, V]",
     "matrix product"),
    ("memory-axes-differ", "lin x\ndim M, N, K, V\nin q[K], k[M, K], v[N, V]\nstate S[K, V]\nS = S + k v^T\n" + OUT,
     5, 9, "memory axes differ", "sum(x, M)"),
    ("chunk-option", HEAD + "option chunk = 48\n" + STATE + UPD + OUT, 4, 16, "chunk must be one of",
     "option chunk = 64"),
    # ---- reserved and duplicate names
    ("reserved-builtin", HEAD + "in exp\n" + STATE + UPD + OUT, 4, 4, "'exp' is reserved and cannot name an input",
     "reserved: builtin functions"),
    ("reserved-t", HEAD + "let t = q\n" + STATE + UPD + OUT, 4, 5, "'t' is reserved", "reserved"),
    ("reserved-I-state", HEAD + "state I[K, V]\n" + "I = I + k v^T\n" + OUT, 4, 7, "'I' is reserved", "reserved"),
    ("reserved-head-out", HEAD + STATE + UPD + "out head = S^T q\n", 6, 5, "'head' is reserved", "reserved"),
    ("reserved-dunder", HEAD + "let __z = q\n" + STATE + UPD + OUT, 4, 5, "may not start with '__'",
     "pick another name"),
    ("duplicate-input", HEAD + "in q[K]\n" + STATE + UPD + OUT, 4, 4, "'q' is already defined (at x.lin:3:4)",
     "pick another name"),
    ("duplicate-state", HEAD + STATE + STATE + UPD + OUT, 5, 7, "'S' is already defined", "pick another name"),
    ("duplicate-let-input", HEAD + "let k = q\n" + STATE + UPD + OUT, 4, 5, "'k' is already defined",
     "pick another name"),
    ("duplicate-output", HEAD + STATE + UPD + OUT + "out o = S^T k\n", 7, 5, "'o' is already defined",
     "pick another name"),
    ("duplicate-dim", "lin x\ndim K, V, K\nin q[K], k[K], v[V]\n" + STATE + UPD + OUT, 2, 11,
     "'K' is already defined", "pick another name"),
    ("output-reads-output", HEAD + STATE + UPD + OUT + "out p = 2 * o\n", 7, 13,
     "output o cannot be used in another expression", "let"),
    ("option-before-definition", HEAD + "option a = 2 * b\noption b = 1\n" + STATE + UPD + OUT, 4, 16,
     "option b is used before its definition", "move the option above"),
    ("route-vector-state-not-memory", HEAD_M + "state S[K] routed by sel\n" + "S = S + k\nout o = S^T q\n",
     6, 12, "only a multi-memory state", "state S[M, K, V] routed by sel"),
    ("shift-of-expression", HEAD + STATE + "S = S + (2 * k)[t-1] v^T\n" + OUT, 5, 9,
     "a time index [t-1] applies to a name", "k[t-1]"),
    ("fractional-shift", HEAD + STATE + "S = S + k[t-1.5] v^T\n" + OUT, 5, 13, "time offsets are integers", "x[t-1]"),
    ("t-as-value", HEAD + "let z = t * q\n" + STATE + UPD + OUT, 4, 9, "'t' may appear only in a time index",
     "not a value"),
    ("update-memory-axis", HEAD_M + "in km[M, K]\nstate S[K, V]\nS = S + km v^T\n" + OUT, 8, 5,
     "memory axis mismatch in the update of S", "sum(x, M)"),
    ("unitnorm-scalar", HEAD + "in a: unitnorm\n" + STATE + UPD + OUT, 4, 7, "unitnorm applies to vectors",
     "a scalar input takes"),
    ("option-not-scalar", HEAD + "option c = K^-0.5 + 1\noption d = I\n" + STATE + UPD + OUT, 5, 12,
     "option d must be a scalar", "option scale = K^-0.5"),
    # ---- derived dims and feature maps (cat, kron)
    ("derived-dim-unknown", "lin x\ndim K, V\ndim F = 1 + J\nin q[K], k[K], v[V]\n" + STATE + UPD + OUT, 3, 13,
     "unknown dimension 'J' in a derived dimension", "dim F = 1 + K + K^2"),
    ("derived-dim-later", "lin x\ndim F = K + 1, K, V\nin q[K], k[K], v[V]\n" + STATE + UPD + OUT, 2, 9,
     "unknown dimension 'K' in a derived dimension", "polynomial of earlier dims"),
    ("derived-dim-division", "lin x\ndim K, V\ndim F = K / 2\nin q[K], k[K], v[V]\n" + STATE + UPD + OUT, 3, 9,
     "unsupported expression in a derived dimension", "polynomial"),
    ("derived-dim-fraction", "lin x\ndim K, V\ndim F = 1.5 + K\nin q[K], k[K], v[V]\n" + STATE + UPD + OUT, 3, 9,
     "needs whole numbers", "polynomial"),
    ("derived-dim-not-positive", "lin x\ndim K, V\ndim F = K - K\nin q[K], k[K], v[V]\n" + STATE + UPD + OUT, 3, 9,
     "dimension F has size 0; a size must be positive", "polynomial"),
    ("derived-dim-same-size", "lin x\ndim K, V\ndim F = K + 1, G = 1 + K\nin q[K], k[K], v[V]\n" + STATE + UPD + OUT,
     3, 20, "dimension G has the size of F (K + 1)", "use F itself"),
    ("derived-dim-unbound", "lin x\ndim K, V\ndim F = K + 1\nin q[F], k[F], v[V]\nstate S[F, V]\n" + UPD + OUT, 3, 9,
     "dimension F is made of K, which no input or param has", "not solved for"),
    ("derived-dim-huge-power", "lin x\ndim K, V\ndim F = K^99999999\nin q[K], k[K], v[V]\n" + STATE + UPD + OUT, 3,
     11, "a dimension's power is at most 8", "polynomial"),
    ("cat-size-undeclared", FEAT + "let f = cat(1, q, q)\nstate S[F, V]\nS = S + f v^T\nout o = S^T f\n", 5, 9,
     "cat() makes a vector of size 2*K + 1, and no dimension has that size", "dim F = 2*K + 1"),
    ("kron-one-argument", FEAT + "let f = kron(q)\n" + STATE + UPD + OUT, 5, 9, "kron() takes 2 arguments",
     "kron(x, y)"),
    ("cat-of-matrix", FEAT + "let f = cat(1, q k^T)\n" + STATE + UPD + OUT, 5, 16, "cat() takes scalars and vectors",
     "cat(1, x, kron(x, x))"),
    ("feature-map-wrong-state", FEAT + "let f = cat(1, k)\n" + STATE + "S = S + f v^T\n" + OUT, 7, 5,
     "shape mismatch: cannot add [F, V] to [K, V]", "same shape"),
]


@pytest.mark.parametrize("src,line,col,msg,hint", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_error(src, line, col, msg, hint):
    with pytest.raises(LinError) as info:
        compile_spec(src)
    err = info.value
    assert msg in err.message, err.render()
    assert err.loc is not None, err.render()
    assert (err.loc.file, err.loc.line, err.loc.col) == ("x.lin", line, col), err.render()
    if hint is not None:
        assert err.hint and hint in err.hint, err.render()
    # the rendering: file:line:col, the source line, a caret under the column
    text = str(err)
    source_line = src.split("\n")[line - 1]
    assert text.startswith(f"x.lin:{line}:{col}: error: ")
    assert err.loc.text == source_line
    assert f"\n    {source_line}\n" in text
    assert "\n    " + " " * (col - 1) + "^" in text
    if hint is not None:
        assert f"\nhint: {err.hint}" in text


def test_case_ids_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_frontend_case_has_a_hint():
    """The only cases without a hint are normalize errors that lack one (reported)."""
    no_hint = {c[0] for c in CASES if c[5] is None}
    assert no_hint == {"not-linear-SS-square", "not-linear-division", "gate-nonpositive"}


def test_caret_spans_the_token():
    with pytest.raises(LinError) as info:
        compile_spec(HEAD + STATE + "S = S + kk v^T\n" + OUT)
    assert "\n            ^~\n" in str(info.value)


def test_error_lines_with_odd_whitespace():
    """Form feeds, vertical tabs and U+2028 are not line breaks for the lexer; the error must still show
    the right source line (str.splitlines would break there and shift every later line)."""
    src = HEAD + "# a comment with \x0c and \u2028 inside\n" + STATE + "S = S + kk v^T\n" + OUT
    with pytest.raises(LinError) as info:
        compile_spec(src)
    err = info.value
    assert (err.loc.line, err.loc.col) == (6, 9)
    assert err.loc.text == "S = S + kk v^T"


def test_crlf_line_endings():
    src = (HEAD + STATE + "S = S + kk v^T\n" + OUT).replace("\n", "\r\n")
    with pytest.raises(LinError) as info:
        compile_spec(src)
    assert (info.value.loc.line, info.value.loc.col) == (5, 9)
    assert info.value.loc.text == "S = S + kk v^T"
    # and a valid spec with CRLF compiles
    compile_spec((HEAD + STATE + UPD + OUT).replace("\n", "\r\n"))


def test_deep_nesting_is_an_error_not_a_crash():
    src = HEAD + "let z = " + "-" * 2000 + "q\n" + STATE + UPD + OUT
    with pytest.raises(LinError, match="nested too deeply"):
        compile_spec(src)
    src = HEAD + "let z = " + " + ".join(["q"] * 2000) + "\n" + STATE + UPD + OUT
    with pytest.raises(LinError, match="nested too deeply"):
        compile_spec(src)
    # moderate depth is fine
    compile_spec(HEAD + "let z = " + "-" * 150 + "q\n" + STATE + UPD + OUT)


def test_empty_and_blank_sources():
    for src in ["", "\n", "   \n\n", "# only a comment\n"]:
        with pytest.raises(LinError, match="declares no state"):
            compile_spec(src)


def test_parse_file_errors(tmp_path):
    from lindsl.frontend import parse_file
    with pytest.raises(LinError, match="cannot read spec file"):
        parse_file(tmp_path / "nope.lin")
    with pytest.raises(LinError, match="cannot read spec file"):
        parse_file(tmp_path)
    bad = tmp_path / "latin1.lin"
    bad.write_bytes(b"# caf\xe9\n" + (HEAD + STATE + UPD + OUT).encode())
    with pytest.raises(LinError, match="not UTF-8"):
        parse_file(bad)
    good = tmp_path / "ok.lin"
    good.write_text(HEAD + STATE + "S = S + kk v^T\n" + OUT)
    with pytest.raises(LinError) as info:
        parse_file(good)
    assert str(info.value).startswith(f"{good}:5:9: error: undefined name 'kk'")


def test_routing_masks_accepted():
    """0/1 masks: topk directly, through a let, and products / min of masks."""
    for route in ["sel", "topk(r, 2)", "sel * topk(r, 2)", "min(sel, topk(r, 3))"]:
        compile_spec(HEAD_M + f"state S[M, K, V] routed by {route}\n" + UPD + "out o = sum(S^T q, M)\n")


def test_constraint_binds_to_one_declaration():
    """`in a, b: unit` constrains b only (a constraint belongs to the declaration it follows)."""
    spec = parse_spec(HEAD + "in a, b: unit\n" + STATE + UPD + OUT, "x.lin")
    assert spec.input("a").role == "real" and spec.input("b").role == "unit"


# --------------------------------------------------------------------------- known gaps in normalize.py
# Bugs once found in lindsl/passes/normalize.py, fixed; kept as regressions.

def test_gate_bound_overflow_is_a_linerror():
    src = HEAD + "let g = -(10^400)\n" + STATE + "S = exp(g) * S + k v^T\n" + OUT
    try:
        compile_spec(src)
    except LinError:
        pass


def test_nan_gate_bound_rejected():
    src = HEAD + "let g = 1e999 - 1e999\n" + STATE + "S = exp(g) * S + k v^T\n" + OUT
    with pytest.raises(LinError):
        compile_spec(src)


NORMALIZE_NO_HINT = [c for c in CASES if c[5] is None and c[0] in
                     ("not-linear-SS-square", "not-linear-division", "gate-nonpositive")]


@pytest.mark.parametrize("src", [c[1] for c in NORMALIZE_NO_HINT], ids=[c[0] for c in NORMALIZE_NO_HINT])
def test_normalize_errors_have_hints(src):
    with pytest.raises(LinError) as info:
        compile_spec(src)
    assert info.value.hint


def test_input_scaled_on_value_side():
    HEAD_G = HEAD + "in gv[V]: loggate\n"
    compile_spec(HEAD_G + STATE + "S = S diag(exp(gv)) + k v^T diag(exp(gv))\n" + OUT)


# --------------------------------------------------------------------------- docs/language.md stays accurate
DOCS = __import__("pathlib").Path(__file__).resolve().parent.parent / "docs" / "language.md"


def test_language_doc_examples_are_the_library_specs():
    import re
    from importlib import resources
    blocks = re.findall(r"^```\n(lin .*?)^```", DOCS.read_text(), re.S | re.M)
    assert len(blocks) >= 3
    for block in blocks:
        name = re.match(r"lin (\w+)", block).group(1)
        lib = resources.files("lindsl.library").joinpath(f"{name}.lin").read_text()
        code = "\n".join(ln for ln in lib.splitlines() if ln and not ln.startswith("#")) + "\n"
        assert block == code, name
        compile_spec(block)


@pytest.mark.parametrize("decl,update", [
    ("in g: loggate", "exp(g) * S"), ("in x", "sigmoid(x) * S"), ("in beta: unit", "beta * S"),
    ("in beta: unit", "(1 - beta) * S"), ("in dt: positive\nparam A: negative", "exp(dt * A) * S"),
    ("in x", "0.9 * S"), ("in g[K]: loggate", "diag(exp(g)) S"), ("in gv[V]: loggate", "S diag(exp(gv))"),
    ("in beta: unit\nin g[K]: loggate", "(I - beta * k k^T) diag(exp(g)) S"),
    ("in beta: unit", "S - beta * k (k^T S)"), ("in a[K], b[K]\nin w[K]: loggate", "(diag(exp(w)) + b a^T) S"),
])
def test_language_doc_accepted_updates(decl, update):
    compile_spec(HEAD + decl + "\n" + STATE + f"S = {update} + k v^T\n" + OUT)


@pytest.mark.parametrize("out", ["S^T q", "S[t-1]^T q", "(q^T S)^T", "silu(S^T q) * v", "2 * (S^T q)",
                                 "S^T (2 * q)", "S[t]^T q + v[t-1]"])
def test_language_doc_readouts(out):
    compile_spec(HEAD + STATE + UPD + f"out o = {out}\n")


def test_scaled_transpose_read():
    compile_spec(HEAD + STATE + UPD + "out o = 2 * S^T q\n")
