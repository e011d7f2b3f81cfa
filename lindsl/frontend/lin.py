"""The .lin frontend: lark parse tree -> typed IR (lindsl.ir.Spec), with located errors."""
from __future__ import annotations

import difflib
import re
from importlib import resources
from pathlib import Path

import lark
from lark import Token, Tree

from .. import types as T
from ..dimexpr import poly_add, poly_const, poly_dim, poly_mul, poly_pow, render_poly
from ..errors import LinError, Loc
from ..ir import BUILTINS, RESERVED, ROLES, SCALAR, Binary, Call, InputDecl, Num, Spec, StateDecl, Ty, Var

_PARSER: lark.Lark | None = None

TOKEN_NAMES = {
    "NAME": "a name", "NUMBER": "a number", "FUNC": "a function call", "_NL": "end of line", "$END": "end of file",
    "LPAR": "'('", "RPAR": "')'", "LSQB": "'['", "RSQB": "']'", "COMMA": "','", "EQUAL": "'='", "COLON": "':'",
    "PLUS": "'+'", "MINUS": "'-'", "STAR": "'*'", "SLASH": "'/'", "CIRCUMFLEX": "'^'", "TRANSPOSE": "'^T'",
    "SIGN": "'+' or '-'", "AT": "'@'",
}
KEYWORDS = {"LIN": "lin", "DIM": "dim", "IN": "in", "PARAM": "param", "OPTION": "option", "LET": "let",
            "STATE": "state", "OUT": "out", "ROUTED": "routed", "BY": "by"}


def _parser() -> lark.Lark:
    global _PARSER
    if _PARSER is None:
        text = resources.files("lindsl.grammar").joinpath("lin.lark").read_text()
        _PARSER = lark.Lark(text, parser="lalr", propagate_positions=True, maybe_placeholders=True, cache=True)
    return _PARSER


def parse_file(path: str | Path) -> Spec:
    """Parse and check a .lin file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as e:
        raise LinError(f"cannot read spec file {path}: {e.strerror}") from None
    except UnicodeDecodeError as e:
        raise LinError(f"spec file {path} is not UTF-8 text (byte {e.start}: {e.reason})") from None
    return parse_spec(text, str(path))


DERIVED_HINT = "a derived dimension is a polynomial of earlier dims, e.g. dim F = 1 + K + K^2"
MAX_DIM_POWER = 8  # highest power in a derived dim's size (K^8 of K = 16 is 2^32 entries already)
MAX_DEPTH = 200  # deepest expression nesting accepted (keeps every recursive pass far from Python's limit)


def source_lines(text: str) -> list[str]:
    """The source split into lines exactly as the lexer counts them: only '\n' ends a line.

    (str.splitlines also breaks at \f, \v, \x1c-\x1e, \x85 and \u2028, which the lexer treats as
    ordinary characters; using it would show the wrong source line in error messages.)
    """
    lines = text.split("\n")
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return [ln[:-1] if ln.endswith("\r") else ln for ln in lines]


def parse_tree(text: str, file: str = "<spec>") -> Tree:
    """The parse tree of .lin source text; raises LinError on a syntax error."""
    try:
        return _parser().parse(text + "\n")
    except lark.exceptions.UnexpectedInput as e:
        raise _syntax_error(e, text, source_lines(text), file) from None


def parse_spec(text: str, file: str = "<spec>") -> Spec:
    """Parse and check .lin source text; raises LinError on any problem."""
    if not isinstance(text, str):
        raise LinError(f"spec source must be text, got {type(text).__name__}")
    tree = parse_tree(text, file)
    b = Builder(text, source_lines(text), file)
    b.check_depth(tree)
    return b.build(tree)


def _syntax_error(e: lark.exceptions.UnexpectedInput, text: str, lines: list[str], file: str) -> LinError:
    line = getattr(e, "line", None) or len(lines)
    col = getattr(e, "column", None) or 1
    if line < 1 or line > len(lines):
        line, col = len(lines), len(lines[-1]) + 1
    loc = Loc(file, line, max(col, 1), lines[line - 1])
    if isinstance(e, lark.exceptions.UnexpectedCharacters):
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else "?"
        return LinError(f"unexpected character {ch!r}", loc,
                        "names are letters, digits and _; operators are + - * / @ ^ ^T; '#' starts a comment")
    expected = sorted({_readable(t) for t in (getattr(e, "expected", None) or getattr(e, "accepts", None) or [])})
    tok = getattr(e, "token", None)
    unknown = _unknown_statement(tok, lines, file)
    if unknown is not None:
        return unknown
    if tok is not None and tok.type != "$END":
        what = "end of line" if tok.type == "_NL" else f"{tok.value!r}"
    else:
        what = "end of file"
    hint = ("expected " + ", ".join(expected[:8]) + (" ..." if len(expected) > 8 else "")) if expected else None
    paren = _paren_note(lines[line - 1], loc.col, tok)
    if paren:
        hint = f"{hint}; {paren}" if hint else paren
    if tok is not None and tok.type == "NAME" and tok.value in ("S", "out", "state") and line == 1:
        hint = (hint or "") + "; a spec starts with declarations: lin NAME, dim K, V, in q[K], ..."
    return LinError(f"syntax error: unexpected {what}", loc, hint)


def _paren_note(text: str, col: int, tok) -> str | None:
    """Say which '(' is still open at the error, or that a ')' has no partner."""
    opened: list[int] = []
    for i, ch in enumerate(text[:max(col - 1, 0)]):
        if ch == "#":
            break
        if ch == "(":
            opened.append(i + 1)
        elif ch == ")" and opened:
            opened.pop()
    if tok is not None and tok.type == "RPAR" and not opened:
        return "this ')' has no matching '('"
    if opened and (tok is None or tok.type in ("_NL", "$END", "RSQB", "COMMA", "EQUAL")):
        return f"the '(' at column {opened[-1]} is never closed"
    return None


STATEMENTS = ("lin", "dim", "in", "param", "option", "let", "state", "out")


def _unknown_statement(tok, lines: list[str], file: str) -> LinError | None:
    """`stat S[K, V]`, `output o = ...`: a line that starts with a word that is not a statement keyword,
    followed by something other than '=' (so it is not an update either)."""
    if tok is None or tok.type in ("$END", "_NL", "EQUAL") or not isinstance(tok.line, int):
        return None
    if not 0 < tok.line <= len(lines):
        return None
    text = lines[tok.line - 1]
    m = re.match(r"([ \t\f]*)([A-Za-z_][A-Za-z0-9_]*)[ \t\f]+$", text[:tok.column - 1])
    if m is None or m.group(2) in STATEMENTS:
        return None
    word = m.group(2)
    col = len(m.group(1)) + 1
    close = difflib.get_close_matches(word, STATEMENTS, n=1, cutoff=0.5)
    hint = ("a line is a statement (" + ", ".join(STATEMENTS) + " ...) or a state update 'S = ...'"
            + (f" (did you mean '{close[0]}'?)" if close else ""))
    return LinError(f"unknown statement '{word}'", Loc(file, tok.line, col, text, col + len(word)), hint)


def _readable(t: str) -> str:
    if t in KEYWORDS:
        return repr(KEYWORDS[t])
    return TOKEN_NAMES.get(t, t.lower())


class Builder:
    """Walks the parse tree and produces a typed, checked Spec."""

    def __init__(self, text: str, lines: list[str], file: str):
        self.text, self.lines, self.file = text, lines, file
        self.dims: list[str] = []
        self.dim_polys: dict[str, tuple] = {}  # every dim's size as a polynomial of the base dims
        self.derived_dims: dict[str, tuple] = {}
        self.derived_nodes: dict[str, Tree] = {}
        self.inputs: dict[str, InputDecl] = {}
        self.options: dict[str, object] = {}
        self.option_locs: dict[str, Loc] = {}
        self.lets: dict[str, object] = {}
        self.let_order: list[str] = []
        self.states: dict[str, StateDecl] = {}
        self.defined: dict[str, Loc] = {}
        self.kinds: dict[str, str] = {}  # what each defined name is: input, param, option, let, state, output...
        self.typed_lets: dict[str, Ty] = {}
        self.let_exprs: dict[str, object] = {}
        self.routes: list = []
        self.name = Path(file).stem if file and not file.startswith("<") else "spec"

    # ---------------------------------------------------------------- locations
    def loc(self, node) -> Loc:
        if isinstance(node, Token):
            line, col, end = node.line, node.column, node.end_column
        else:
            meta = node.meta
            if getattr(meta, "empty", True):
                return Loc(self.file, 1, 1, self.lines[0])
            line, col = meta.line, meta.column
            end = meta.end_column if meta.end_line == meta.line else None
        return Loc(self.file, line, col, self.lines[line - 1] if 0 < line <= len(self.lines) else "", end)

    def error(self, msg: str, node, hint: str | None = None) -> LinError:
        return LinError(msg, self.loc(node), hint)

    def check_depth(self, tree: Tree) -> None:
        """Reject absurdly deep expressions up front (without recursion), so no pass overflows the stack."""
        stack = [(tree, 0)]
        while stack:
            node, d = stack.pop()
            if d > MAX_DEPTH:
                raise self.error(f"expression nested too deeply (more than {MAX_DEPTH} levels)", node,
                                 "split it into several 'let' lines")
            stack.extend((c, d + 1) for c in node.children if isinstance(c, Tree))

    # ---------------------------------------------------------------- statements
    def build(self, tree: Tree) -> Spec:
        stmts = [s for s in tree.children if isinstance(s, Tree)]
        updates_raw, outs_raw, lets_raw, states_raw, opts_raw = [], [], [], [], []
        for s in stmts:
            kind = s.data
            if kind == "name_stmt":
                self.name = self.ident(s.children[0], "spec name", declare=False)
            elif kind == "dim_stmt":
                for decl in s.children:
                    tok, size = decl.children
                    name = self.ident(tok, "dimension")
                    self.dim_polys[name] = poly_dim(name) if size is None else self.dim_size(size)
                    if size is not None:
                        self.check_derived(name, size)
                        self.derived_dims[name] = self.dim_polys[name]
                        self.derived_nodes[name] = size
                    self.dims.append(name)
            elif kind in ("input_stmt", "param_stmt"):
                for d in s.children:
                    self.declare_input(d, "input" if kind == "input_stmt" else "param")
            elif kind == "option_stmt":
                name = self.ident(s.children[0], "option")
                opts_raw.append((name, s))
            elif kind == "let_stmt":
                name = self.ident(s.children[0], "let")
                lets_raw.append((name, s))
                self.let_order.append(name)
            elif kind == "state_stmt":
                states_raw.append(s)
            elif kind == "update_stmt":
                updates_raw.append(s)
            elif kind == "out_stmt":
                outs_raw.append(s)
        for s in states_raw:
            self.declare_state(s)
        mems = frozenset(st.ty.mem for st in self.states.values() if st.ty.mem)
        token = T.MEMORY_DIMS.set(mems)
        try:
            return self._build_rest(opts_raw, lets_raw, updates_raw, outs_raw)
        finally:
            T.MEMORY_DIMS.reset(token)

    def _build_rest(self, opts_raw, lets_raw, updates_raw, outs_raw) -> Spec:
        options = {}
        for name, s in opts_raw:
            e = self.expr(s.children[1], ctx="option")
            if e.ty.kind != "scalar" or e.ty.mem:
                raise self.error(f"option {name} must be a scalar, got {e.ty}", s.children[1],
                                 "an option is one number per spec, e.g. option scale = K^-0.5")
            options[name] = e
            self.options[name] = e
            self.option_locs[name] = self.loc(s.children[0])
        if "chunk" in options:
            c = options["chunk"]
            if not isinstance(c, Num) or c.value not in (16, 32, 64, 128):
                raise self.error("option chunk must be one of 16, 32, 64, 128",
                                 opts_raw[[n for n, _ in opts_raw].index("chunk")][1].children[1],
                                 "chunk is the block length of the chunked kernels; write a literal, "
                                 "e.g. option chunk = 64")
        lets = []
        for name, s in lets_raw:
            e = self.expr(s.children[1], ctx="let")
            if e.ty.kind not in ("scalar", "vec"):
                raise self.error(f"let {name}: a per-token quantity must be a scalar or a vector, got {e.ty}",
                                 s.children[1], "matrices appear only in state updates")
            self.typed_lets[name] = e.ty
            self.let_exprs[name] = e
            lets.append((name, e))
        for st, node in self.routes:
            self.type_route(st, node)
        updates = {}
        for s in updates_raw:
            tok = s.children[0]
            name = str(tok)
            if name not in self.states:
                if name in self.defined:
                    raise self.error(f"'{name}' is not a state; only states are assigned with '='", tok,
                                     "use 'let NAME = ...' for a per-token quantity and 'out NAME = ...' for an output")
                raise self.error(f"assignment to undeclared state '{name}'", tok,
                                 f"declare it first: state {name}[K, V]" + self._suggest(name))
            if name in updates:
                raise self.error(f"state {name} is updated twice", tok, "write one update per state")
            st = self.states[name]
            e = self.expr(s.children[1], ctx="update", state=name)
            if e.ty.kind != st.ty.kind or e.ty.dims != st.ty.dims:
                raise self.error(f"shape mismatch: the update of {name} has type {e.ty}, the state is {st.ty}",
                                 s.children[1], f"the right-hand side must have the state's shape, e.g. {name} + k v^T")
            if e.ty.mem != st.ty.mem and e.ty.mem is not None:
                raise self.error(f"memory axis mismatch in the update of {name}: the update is over {e.ty.mem}, "
                                 f"the state {'is over ' + st.ty.mem if st.ty.mem else 'has no memory axis'}",
                                 s.children[1],
                                 f"reduce the memory axis with sum(x, {e.ty.mem}) or declare "
                                 f"state {name}[{e.ty.mem}, ...]")
            updates[name] = e
        for name, st in self.states.items():
            if name not in updates:
                raise LinError(f"state {name} is declared but never updated", st.loc,
                               f"add a line '{name} = ...' with its update")
        outputs = []
        for s in outs_raw:
            name = self.ident(s.children[0], "output")
            e = self.expr(s.children[1], ctx="out")
            if e.ty.mem:
                raise self.error(f"output {name} still has the memory axis {e.ty.mem}", s.children[1],
                                 f"combine memories, e.g. sum(w * (S^T q), {e.ty.mem})")
            if e.ty.kind not in ("vec", "scalar"):
                raise self.error(f"output {name} must be a vector per token, got {e.ty}", s.children[1],
                                 "read a state with S^T q")
            outputs.append((name, e))
        if not self.states:
            raise LinError("the spec declares no state", Loc(self.file, 1, 1, self.lines[0]),
                           "declare one: state S[K, V], then its update S = ...")
        if not outputs:
            raise LinError("the spec has no output", Loc(self.file, len(self.lines), 1, self.lines[-1]),
                           "add one: out o = S^T q")
        self.check_derived_bound()
        spec = Spec(self.name, self.file, list(self.dims), list(self.inputs.values()), options, lets,
                    list(self.states.values()), updates, outputs, self.text, self.option_locs, self.derived_dims)
        return spec

    def ident(self, tok: Token, what: str, declare: bool = True) -> str:
        name = str(tok)
        if name in RESERVED:
            article = "an" if what[:1] in "aeiou" else "a"
            raise self.error(f"'{name}' is reserved and cannot name {article} {what}", tok,
                             "reserved: builtin functions, I, t, head, H and the statement keywords")
        if name.startswith("__"):
            raise self.error(f"names may not start with '__': {name}", tok, "pick another name")
        if declare:
            if name in self.defined:
                prev = self.defined[name]
                raise self.error(f"'{name}' is already defined (at {prev})", tok, "pick another name")
            self.defined[name] = self.loc(tok)
            self.kinds[name] = what
        return name

    def dim_size(self, node) -> tuple:
        """A derived dim's size: a polynomial of earlier dims with integer coefficients (+, -, *, ^ n)."""
        hint = DERIVED_HINT
        k, ch = (node.data, node.children) if isinstance(node, Tree) else ("", [])
        if k == "number":
            v = float(ch[0])
            if not v.is_integer():
                raise self.error(f"a dimension's size needs whole numbers, got {ch[0]}", node, hint)
            return poly_const(int(v))
        if k == "name":
            name = str(ch[0])
            if name not in self.dim_polys:
                raise self.error(f"unknown dimension '{name}' in a derived dimension", node,
                                 hint + self._suggest(name, self.dims))
            return self.dim_polys[name]
        if k in ("add", "sub"):
            return poly_add(self.dim_size(ch[0]), self.dim_size(ch[1]), 1 if k == "add" else -1)
        if k in ("mul", "juxt"):
            return poly_mul(self.dim_size(ch[0]), self.dim_size(ch[1]))
        if k == "pow" and isinstance(ch[1], Tree) and ch[1].data == "number" and float(ch[1].children[0]).is_integer():
            n = int(float(ch[1].children[0]))
            if n > MAX_DIM_POWER:
                raise self.error(f"a dimension's power is at most {MAX_DIM_POWER}, got {n}", ch[1], hint)
            return poly_pow(self.dim_size(ch[0]), n)
        raise self.error("unsupported expression in a derived dimension", node, hint)

    def check_derived(self, name: str, node) -> None:
        """A derived dim is positive when constant, and no other dim has its size (cat's and kron's results are
        matched to dims by size)."""
        p = self.dim_polys[name]
        if all(not m for _, m in p) and sum(c for c, _ in p) < 1:
            raise self.error(f"dimension {name} has size {render_poly(p)}; a size must be positive", node,
                             DERIVED_HINT)
        same = [d for d in self.dims if self.dim_polys[d] == p]
        if same:
            raise self.error(f"dimension {name} has the size of {same[0]} ({render_poly(p)})", node,
                             f"use {same[0]} itself: feature maps are matched to dims by size")

    def check_derived_bound(self) -> None:
        """Every base dim a derived dim is made of is the size of some input or param (so it is known at call time:
        a derived dim's size is not inverted)."""
        bound = {d for i in self.inputs.values() for d in (i.ty.dims + ((i.ty.mem,) if i.ty.mem else ()))}
        for name, p in self.derived_dims.items():
            missing = sorted({d for _, m in p for d, _ in m} - bound)
            if missing:
                raise self.error(f"dimension {name} is made of {', '.join(missing)}, which no input or param has",
                                 self.derived_nodes[name],
                                 f"declare an input over {missing[0]} (e.g. in k[{missing[0]}]): derived sizes are "
                                 "computed from the arguments' sizes, not solved for")

    def shape(self, node: Tree | None) -> list[str]:
        if node is None:
            return []
        out = []
        for tok in node.children:
            if tok is None:
                continue
            if str(tok) not in self.dims:
                raise self.error(f"unknown dimension '{tok}'", tok,
                                 f"declare it with 'dim {tok}'" + self._suggest(str(tok), self.dims))
            out.append(str(tok))
        return out

    def declare_input(self, d: Tree, kind: str) -> None:
        name_tok, shape_node, role_tok = d.children
        name = self.ident(name_tok, kind)
        dims = self.shape(shape_node)
        role = str(role_tok) if role_tok is not None else "real"
        if role not in ROLES:
            raise self.error(f"unknown constraint '{role}'" + self._suggest(role, list(ROLES)), role_tok,
                             "valid: " + ", ".join(f"{k} ({v})" for k, v in ROLES.items()))
        if len(dims) == 0:
            ty = SCALAR
        elif len(dims) == 1:
            ty = Ty("vec", (dims[0],))
        elif len(dims) == 2:
            ty = Ty("vec", (dims[1],), dims[0])
        else:
            raise self.error(f"{kind} {name}: at most two dims ([M, K] = one K-vector per memory)", shape_node,
                             f"declare {name}[K] for a vector per token or {name}[M, K] for one K-vector per memory")
        if role == "unitnorm" and ty.kind != "vec":
            raise self.error("unitnorm applies to vectors", role_tok,
                             "a scalar input takes real, loggate, unit, positive, negative or nonneg")
        self.inputs[name] = InputDecl(name, ty, role, kind, self.loc(name_tok))

    def declare_state(self, s: Tree) -> None:
        name_tok, shape_node, route_node = s.children
        name = self.ident(name_tok, "state")
        dims = self.shape(shape_node)
        mem = None
        if len(dims) == 3 or (len(dims) == 2 and route_node is not None):
            mem, dims = dims[0], dims[1:]
        if len(dims) == 2:
            ty = Ty("mat", tuple(dims), mem)
        elif len(dims) == 1:
            ty = Ty("vec", tuple(dims), mem)
        else:
            raise self.error(f"state {name} needs a shape [K, V] (matrix), [K] (vector) or [M, K, V] (M memories)",
                             shape_node if shape_node is not None else name_tok,
                             f"e.g. state {name}[K, V], or state {name}[M, K, V] routed by sel")
        st = StateDecl(name, ty, None, self.loc(name_tok))
        self.states[name] = st
        if route_node is not None:
            if mem is None:
                raise self.error("only a multi-memory state [M, K, V] can be routed", route_node,
                                 f"declare the memory axis first: state {name}[M, K, V] routed by sel")
            self.routes.append((st, route_node))

    def type_route(self, st: StateDecl, route_node: Tree) -> None:
        mem = st.ty.mem  # declare_state admits a route only on a multi-memory state
        r = self.expr(route_node.children[0], ctx="let")
        if r.ty.kind != "vec" or r.ty.dims != (mem,) or r.ty.mem:
            raise self.error(f"the routing mask must be a vector over {mem} (e.g. topk(r, 2)), got {r.ty}",
                             route_node.children[0],
                             f"declare router scores 'in r[{mem}]' and route with a 0/1 mask: let sel = topk(r, 2)")
        if not self._is_mask(r):
            raise self.error("the routing mask must be a 0/1 selection: topk(r, n), a let defined as one, "
                             "or a product of such masks", route_node.children[0],
                             "a memory is either selected (updated) or not (kept); weight the memories in the "
                             "output instead, e.g. sum(w * (S^T q), M)")
        st.route = r

    def _is_mask(self, e) -> bool:
        """Provably 0/1: topk(...), a let bound to a mask, or a product / min / max of masks."""
        if isinstance(e, Call) and e.fn == "topk":
            return True
        if isinstance(e, Call) and e.fn in ("min", "max"):
            return all(self._is_mask(a) for a in e.args)
        if isinstance(e, Var) and e.kind == "let" and e.shift == 0 and e.name in self.let_exprs:
            return self._is_mask(self.let_exprs[e.name])
        if isinstance(e, Binary) and e.op == "*":
            return self._is_mask(e.l) and self._is_mask(e.r)
        return False

    # ---------------------------------------------------------------- expressions
    def expr(self, node, ctx: str, state: str | None = None):
        self.ctx, self.cur_state = ctx, state
        return self._e(node)

    def _e(self, node):
        if isinstance(node, Token):
            raise self.error(f"unexpected token {node!r}", node)
        k = node.data
        loc = self.loc(node)
        ch = node.children
        if k == "number":
            return Num(float(ch[0]), loc=loc)
        if k == "name":
            return self.name_ref(ch[0], 0)
        if k == "timeref":
            return self.time_ref(ch[0], ch[1], ch[2] if len(ch) > 2 else None, node)
        if k in ("add", "sub", "mul", "div"):
            op = {"add": "+", "sub": "-", "mul": "*", "div": "/"}[k]
            return T.binary(op, self._e(ch[0]), self._e(ch[1]), loc)
        if k == "pow":
            return T.binary("pow", self._e(ch[0]), self._e(ch[1]), loc)
        if k == "neg":
            return T.neg(self._e(ch[0]), loc)
        if k in ("matmul", "juxt"):
            left, right = ch
            if k == "juxt" and isinstance(left, Tree) and left.data == "name" and self._unknown(left.children[0]) \
                    and self._followed_by_paren(left.children[0]):
                raise self.unknown_function(left.children[0])
            return T.matmul(self._e(left), self._e(right), loc)
        if k == "transpose":
            return T.transpose(self._e(ch[0]), loc)
        if k == "call":
            fn = str(ch[0])
            raw = [c for c in ch[1:] if c is not None]
            if fn == "sum" and len(raw) == 2 and isinstance(raw[1], Tree) and raw[1].data == "name" \
                    and str(raw[1].children[0]) in self.dims:
                return T.call(fn, [self._e(raw[0])], loc, dim=str(raw[1].children[0]))
            if fn == "sum" and len(raw) == 2:
                raise self.error("the second argument of sum() must be a dimension name, e.g. sum(x, M)", raw[1],
                                 "sum(x) adds up a vector's entries; sum(x, M) reduces the memory axis M")
            args = [self._e(a) for a in raw]
            if fn in ("cat", "kron"):
                return T.call(fn, args, loc, dim=lambda: self.feature_dim(fn, args, loc))
            return T.call(fn, args, loc)
        raise self.error(f"unsupported syntax ({k})", node)

    def feature_dim(self, fn: str, args, loc) -> str:
        """The declared dim whose size is that of cat(args) (the parts' sizes added, a scalar counting 1) or of
        kron(x, y) (the sizes multiplied); args checked by types.call (feature_parts)."""
        sizes = [self.dim_polys[a.ty.dims[0]] if a.ty.kind == "vec" else poly_const(1) for a in args]
        total = sizes[0]
        for p in sizes[1:]:
            total = poly_add(total, p) if fn == "cat" else poly_mul(total, p)
        for d in self.dims:
            if self.dim_polys[d] == total:
                return d
        raise LinError(f"{fn}() makes a vector of size {render_poly(total)}, and no dimension has that size", loc,
                       f"declare one: dim F = {render_poly(total)}")

    def unknown_function(self, tok: Token) -> LinError:
        return self.error(f"unknown function '{tok}'" + self._suggest(str(tok), BUILTINS), tok,
                          "builtin functions: " + ", ".join(sorted(set(BUILTINS))))

    def _followed_by_paren(self, tok: Token) -> bool:
        line = self.lines[tok.line - 1] if 0 < tok.line <= len(self.lines) else ""
        return line[tok.end_column - 1:tok.end_column] == "("

    def _unknown(self, tok: Token) -> bool:
        n = str(tok)
        return n not in self.defined and n not in ("I", "head", "H") and n not in self.dims

    def name_ref(self, tok: Token, shift: int):
        name = str(tok)
        loc = self.loc(tok)
        ctx = self.ctx
        constant = name in ("I", "head", "H") or name in self.dims or name in self.options
        if shift and constant:
            raise self.error(f"'{name}' is constant over time; it has no [t{shift:+d}]", tok,
                             "time shifts apply to per-token inputs (x[t-1]) and, in 'out' lines, to a state (S[t-1])")
        if name == "I":
            return Var("I", "ident", 0, Ty("ident"), loc)
        if name == "head":
            if ctx == "option":
                raise self.error("option values are the same for every head; they cannot use 'head'", tok,
                                 "compute per-head constants in a let, e.g. let g = log(1 - 2^(-5 - head))")
            return Var("head", "head", 0, SCALAR, loc)
        if name == "H" or name in self.dims:
            return Var(name, "dim", 0, SCALAR, loc)
        if name in self.inputs:
            d = self.inputs[name]
            if ctx == "option":
                raise self.error(f"option values may use only numbers, dims and other options, not '{name}'", tok,
                                 "options are constants of the spec; use 'let' for per-token quantities")
            if d.kind == "param" and shift:
                raise self.error(f"param {name} is constant over time; it has no [t{shift:+d}]", tok,
                                 "time shifts apply to per-token inputs ('in'), e.g. x[t-1]")
            return Var(name, d.kind, shift, d.ty, loc)
        if name in self.options:
            return Var(name, "option", 0, SCALAR, loc)
        if name in self.let_order:
            if ctx == "option":
                raise self.error(f"option values may use only numbers, dims and other options, not '{name}'", tok,
                                 "options are constants of the spec; use 'let' for per-token quantities")
            if name not in self.typed_lets:
                raise self.error(f"'{name}' is used before its let", tok, "move the let above this line")
            return Var(name, "let", shift, self.typed_lets[name], loc)
        if name in self.states:
            st = self.states[name]
            if ctx in ("let", "option"):
                raise self.error(f"state {name} cannot be used in {'an' if ctx == 'option' else 'a'} {ctx}", tok,
                                 "per-token quantities come from inputs; states are read in 'out' lines")
            if ctx == "update":
                if name != self.cur_state:
                    raise self.error(f"the update of {self.cur_state} reads state {name}", tok,
                                     "each state's update may use only its own previous value")
                if shift:
                    raise self.error(f"in an update, '{name}' already means the previous state S[t-1]", tok,
                                     f"write {name} on the right-hand side without a time index")
                return Var(name, "state", -1, st.ty, loc)
            return Var(name, "state", shift, st.ty, loc)
        if name in self.defined:
            what = self.kinds.get(name, "name")
            if what == "output":
                raise self.error(f"output {name} cannot be used in another expression", tok,
                                 "put the shared part in a let, or repeat the expression")
            if what == "option":
                raise self.error(f"option {name} is used before its definition", tok, "move the option above this line")
            raise self.error(f"{what} '{name}' cannot be used here", tok)
        if name in BUILTINS:
            raise self.error(f"'{name}' is a builtin function; call it with parentheses, e.g. {name}(x)", tok,
                             "a name for a value must not be a builtin function's name")
        if name == "t":
            raise self.error("'t' may appear only in a time index, e.g. x[t-1]", tok,
                             "the token position is not a value; use 'head' or the dims for constants")
        if name in RESERVED:
            raise self.error(f"'{name}' is a keyword, not a value", tok,
                             "statements start with lin, dim, in, param, option, let, state or out")
        if self._followed_by_paren(tok):
            raise self.unknown_function(tok)
        raise self.error(f"undefined name '{name}'", tok, "declare it with 'in', 'param', 'let' or 'option'"
                         + self._suggest(name))

    def time_ref(self, base, t_tok: Token, shift_node, node):
        if not (isinstance(base, Tree) and base.data == "name"):
            raise self.error("a time index [t-1] applies to a name", node,
                             "shift the inputs inside the expression, e.g. (k[t-1] + v[t-1]) instead of (k + v)[t-1]")
        if str(t_tok) != "t":
            raise self.error(f"time index must use t, e.g. x[t-1]; got '{t_tok}'", t_tok,
                             "x[t] is the current token, x[t-1] the previous one")
        n = 0
        if shift_node is not None:
            sign, val = shift_node.children
            if not float(val).is_integer():
                raise self.error("time offsets are integers", val, "e.g. x[t-1]")
            n = int(float(val)) * (-1 if str(sign) == "-" else 1)
        if n > 0:
            raise self.error(f"'{base.children[0]}[t+{n}]' depends on a future token", node,
                             "a causal recurrence may read only the current token and earlier ones, e.g. x[t-1]")
        name = str(base.children[0])
        if name in self.states and self.ctx == "update" and name == self.cur_state:
            raise self.error(f"in an update, '{name}' already means the previous state {name}[t-1]", node,
                             f"write {name} on the right-hand side without a time index; {name}[t] is the state "
                             "this line defines")
        if name in self.states and self.ctx == "out" and n < -1:
            raise self.error(f"only {name}[t] and {name}[t-1] can be read, not {name}[t{n}]", node,
                             f"{name} (or {name}[t]) is the state after this token's update, "
                             f"{name}[t-1] the one before")
        if name in self.let_order and n:
            raise self.error("time shifts apply to inputs, not to lets", node,
                             "shift the inputs inside the let instead, e.g. let z1 = 2 * q[t-1]")
        return self.name_ref(base.children[0], n)

    def _suggest(self, name: str, pool=None) -> str:
        pool = list(pool if pool is not None else list(self.defined) + self.dims)
        m = difflib.get_close_matches(name, pool, n=1)
        return f" (did you mean '{m[0]}'?)" if m else ""

