"""The decorator frontend: a plain Python function describing one step of a recurrence -> the same IR as .lin.

    K, V = lindsl.dims("K V")

    @lindsl.rule
    def gated_deltanet(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[loggate], beta: In[unit],
                       scale=K ** -0.5):
        qn, kn = l2norm(q), l2norm(k)
        S = exp(g) * (I - beta * kn @ kn.T) @ S + beta * kn @ v.T
        return S.T @ (scale * qn)

The function is never executed. Its source is parsed with `ast` and lowered to the parse tree the .lin
grammar produces, which the .lin Builder then checks and types: every check and error message is shared,
and errors point at the offending line of the Python file (file:line:col with a caret).

Python semantics carry over: a name means its latest binding, so reading a state before its assignment
reads S_{t-1} and after it S_t; several assignments to a state compose (`S = exp(g) * S; S += k @ v.T`).
Parameters annotated `State[...]` are states, `In[...]` per-token inputs, `Param[...]` per-head constants;
a parameter with a default is an option. A local bound to a state-free expression is a `let`; one that reads
a state is inlined where it is used. The returned names become the outputs (an unnamed single output is `o`).
"""
from __future__ import annotations

import ast
import copy
import difflib
import inspect
import linecache
import re

from lark import Token, Tree
from lark.tree import Meta

from ..errors import LinError, Loc
from ..ir import BUILTINS, ROLES, Spec
from .lin import Builder
from .printer import to_lin

__all__ = ["rule", "jit", "spec_of", "dims", "State", "In", "Param", "I", "t", "head", "H", "outer", "dot",
           "routed"] + list(ROLES) + [f for f in BUILTINS if f not in ("sum", "min", "max", "abs")]

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_HELPERS = ("outer", "dot", "routed")
_CONSTANTS = ("I", "head", "H", "t")


# ------------------------------------------------------------------ markers used in rule signatures and bodies
class _Sym:
    """A symbolic value (a dim, a helper's result): supports arithmetic so that option defaults such as
    `scale=K ** -0.5` evaluate when the function is defined. Rule bodies are parsed, never run."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def _op(self, op, other, rev=False):
        a, b = (other, self) if rev else (self, other)
        return _Sym(f"({a} {op} {b})")

    def __add__(self, o): return self._op("+", o)
    def __radd__(self, o): return self._op("+", o, True)
    def __sub__(self, o): return self._op("-", o)
    def __rsub__(self, o): return self._op("-", o, True)
    def __mul__(self, o): return self._op("*", o)
    def __rmul__(self, o): return self._op("*", o, True)
    def __truediv__(self, o): return self._op("/", o)
    def __rtruediv__(self, o): return self._op("/", o, True)
    def __matmul__(self, o): return self._op("@", o)
    def __rmatmul__(self, o): return self._op("@", o, True)
    def __pow__(self, o): return self._op("**", o)
    def __rpow__(self, o): return self._op("**", o, True)
    def __neg__(self): return _Sym(f"(-{self})")

    @property
    def T(self):
        return _Sym(f"{self}.T")


class Dim(_Sym):
    """A dimension name for annotations: K, V = lindsl.dims("K V"); q: In[K]. size: a derived dim's polynomial of
    earlier dims in .lin syntax ("1 + K + K^2"), None for a base dim."""

    def __init__(self, text: str, size: str | None = None):
        super().__init__(text)
        self.size = size


def dims(names: str) -> tuple[Dim, ...]:
    """Dimension markers for annotations: K, V = lindsl.dims("K V") (or "K, V"); derived dims after commas:
    K, V, K2, F = lindsl.dims("K, V, K2 = K^2, F = 1 + K + K2") (the sizes of cat() and kron() feature maps)."""
    if "=" in names:
        parts = [p.partition("=") for p in names.split(",") if p.strip()]
        out = tuple(Dim(n.strip(), size.strip() if eq else None) for n, eq, size in parts)
    else:
        out = tuple(Dim(n) for n in re.split(r"[\s,]+", names.strip()) if n)
    if not all(_NAME.match(d.text) for d in out):
        raise LinError(f"dims({names!r}): dimension names are letters, digits and _")
    if any(d.size is not None and not d.size for d in out):
        raise LinError(f"dims({names!r}): a derived dimension needs a size, e.g. 'F = 1 + K + K^2'")
    return out


class _Role(_Sym):
    """An input constraint for annotations: In[K, loggate]."""


for _r in ROLES:
    globals()[_r] = _Role(_r)


class _Decl:
    def __init__(self, kind: str, items=()):
        self.kind, self.items = kind, items

    def __getitem__(self, items):
        return _Decl(self.kind, items if isinstance(items, tuple) else (items,))

    def __repr__(self) -> str:
        return f"{self.kind}[{', '.join(map(str, self.items))}]" if self.items else self.kind


State = _Decl("State")
In = _Decl("In")
Param = _Decl("Param")
I, t, head, H = _Sym("I"), _Sym("t"), _Sym("head"), _Sym("H")


def _helper(name: str):
    def f(*args, **kwargs):
        if kwargs or not all(isinstance(a, (_Sym, int, float)) for a in args):
            raise TypeError(f"lindsl.{name} is a building block of @lindsl.rule bodies (which are compiled, not "
                            "run); call the compiled op instead")
        return _Sym(f"{name}({', '.join(map(str, args))})")
    f.__name__ = f.__qualname__ = name
    f.__doc__ = f"`{name}(...)` in a @lindsl.rule body (see docs/language.md)."
    return f


HELPERS = {_f: _helper(_f) for _f in BUILTINS + _HELPERS}  # lindsl.exp, lindsl.sum, ...
globals().update({k: v for k, v in HELPERS.items() if k not in ("sum", "min", "max", "abs")})  # keep Python's
outer, dot, routed = HELPERS["outer"], HELPERS["dot"], HELPERS["routed"]


def _size_dims(size: str | None) -> list[str]:
    """The dim names a derived dim's size refers to, in order."""
    return list(dict.fromkeys(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", size or "")))


# ------------------------------------------------------------------ the decorator
def rule(fn=None, *, name: str | None = None, dims: str | tuple | list | None = None, cache: bool = True):
    """Compile a Python step function into an op (fla-style signature; see lindsl.load). Use as @lindsl.rule or
    @lindsl.rule(name=..., dims="M K V"); dims fixes the dimension order (default: order of first use)."""
    def wrap(f):
        from ..runtime.op import load
        spec = spec_of(f, name=name, dims=dims)
        try:
            return load(spec, cache=cache)
        except LinError as e:
            raise _pythonize(e) from None
    return wrap(fn) if fn is not None else wrap


jit = rule


def spec_of(fn, *, name: str | None = None, dims: str | tuple | list | None = None) -> Spec:
    """The checked IR of a rule function (what @lindsl.rule compiles)."""
    try:
        return _Lowering(fn, name, dims).run()
    except LinError as e:
        raise _pythonize(e) from None


_HINT_REWRITES = [("': loggate'", "In[..., loggate]"), ("': unit'", "In[..., unit]"), ("k^T v", "k.T @ v"),
                  ("k v^T", "k @ v.T"), ("S^T q", "S.T @ q"), ("x^T", "x.T"), ("kn kn^T", "kn @ kn.T")]


def _pythonize(e: LinError) -> LinError:
    """The shared error with its hint's .lin notation written as Python (k v^T -> k @ v.T, ': loggate' -> In[..])."""
    if not e.hint or e.loc is None or not e.loc.file.endswith(".py"):
        return e
    hint = e.hint
    for old, new in _HINT_REWRITES:
        hint = hint.replace(old, new)
    return LinError(e.message, e.loc, hint)


# ------------------------------------------------------------------ lowering
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.MatMult: "matmul", ast.Pow: "pow"}
_OPNAMES = {ast.FloorDiv: "//", ast.Mod: "%", ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^",
            ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~"}
_OPS_HINT = "operators: + - * / ** and @ (matrix product); x.T transposes; helpers: exp, l2norm, diag, outer, ..."


class _Lowering:
    def __init__(self, fn, name, dim_order):
        if not inspect.isfunction(fn):
            raise LinError(f"@lindsl.rule decorates a function, got {type(fn).__name__}")
        self.fn = fn
        try:
            src_lines, start = inspect.getsourcelines(fn)
        except (OSError, TypeError):
            raise LinError(f"cannot read the source of {fn.__qualname__}: @lindsl.rule needs a function defined in "
                           "a file (not typed into an interactive session)") from None
        self.file = inspect.getsourcefile(fn) or fn.__code__.co_filename
        full = linecache.getlines(self.file)
        if not full:
            full = [""] * (start - 1) + src_lines
        self.lines = [ln.rstrip("\n").rstrip("\r") for ln in full]
        body = [ln.rstrip("\n").rstrip("\r") for ln in src_lines]
        self.indent = min((len(ln) - len(ln.lstrip(" \t")) for ln in body if ln.strip()), default=0)
        self.start = start
        text = "\n".join(ln[self.indent:] for ln in body) + "\n"
        try:
            mod = ast.parse(text)
        except SyntaxError as e:
            raise LinError(f"cannot parse the source of {fn.__qualname__}: {e.msg}") from None
        node = next((n for n in mod.body if isinstance(n, ast.FunctionDef)), None)
        if node is None:
            raise LinError(f"{fn.__qualname__}: @lindsl.rule needs a plain 'def' function")
        self.node = node
        self.spec_name = name or fn.__name__
        self.dim_order = dims(dim_order) if isinstance(dim_order, str) else (
            tuple(d if isinstance(d, Dim) else Dim(str(d)) for d in dim_order) if dim_order else None)
        self.globals = fn.__globals__
        self.dims: dict[str, object] = {}       # dim name -> first token
        self.inputs: list[tuple] = []           # (kind, name_tok, dim toks, role tok)
        self.options: list[tuple] = []          # (name_tok, tree)
        self.states: dict[str, dict] = {}       # name -> {tok, dims, versions: [tree], route, assign_nodes}
        self.declared: dict[str, str] = {}      # parameter name -> kind
        self.lets: list[tuple] = []             # (name_tok, tree)
        self.let_names: dict[str, int] = {}     # let name -> uses
        self.macros: dict[str, dict] = {}       # name -> {tree, node, used}
        self.outputs: list[tuple] = []          # (name_tok, tree)

    # -------------------------------------------------------------- locations
    def pos(self, node, end: bool = False) -> tuple[int, int]:
        line = (node.end_lineno if end else node.lineno)
        off = node.end_col_offset if end else node.col_offset
        file_line = line + self.start - 1
        text = self.lines[file_line - 1] if 0 < file_line <= len(self.lines) else ""
        raw = text[self.indent:].encode("utf-8")[:off].decode("utf-8", errors="replace")
        return file_line, self.indent + len(raw) + 1

    def loc(self, node) -> Loc:
        line, col = self.pos(node)
        end = None
        if getattr(node, "end_lineno", None) == node.lineno:
            end = self.pos(node, end=True)[1]
        return Loc(self.file, line, col, self.lines[line - 1] if 0 < line <= len(self.lines) else "", end)

    def error(self, msg: str, node, hint: str | None = None) -> LinError:
        return LinError(msg, self.loc(node), hint)

    def tok(self, type_: str, value: str, node) -> Token:
        line, col = self.pos(node)
        end = self.pos(node, end=True)[1] if getattr(node, "end_lineno", None) == node.lineno else col + len(value)
        return Token(type_, value, None, line, col, line, end)

    def name_tok(self, name: str, node) -> Token:
        if not _NAME.match(name):
            raise self.error(f"the name '{name}' is not a lindsl name (ASCII letters, digits and _)", node,
                             "rename it, e.g. beta instead of β")
        return self.tok("NAME", name, node)

    def tree(self, data: str, children: list, node) -> Tree:
        meta = Meta()
        meta.empty = False
        meta.line, meta.column = self.pos(node)
        meta.end_line, meta.end_column = self.pos(node, end=True)
        return Tree(data, children, meta)

    # -------------------------------------------------------------- signature
    def run(self) -> Spec:
        f = self.node
        a = f.args
        if a.vararg or a.kwarg:
            raise self.error("a rule takes named parameters only (no *args / **kwargs)", a.vararg or a.kwarg)
        params = a.posonlyargs + a.args
        defaults = [None] * (len(params) - len(a.defaults)) + list(a.defaults)
        params = list(zip(params, defaults)) + list(zip(a.kwonlyargs, a.kw_defaults))
        for p, default in params:
            self.param(p, default)
        if not self.states:
            raise self.error("the rule declares no state", f,
                             "add a parameter annotated with its shape, e.g. S: State[K, V], and assign it: "
                             "S = S + k @ v.T")
        self.body(f.body)
        return self.build()

    def param(self, p: ast.arg, default) -> None:
        name = p.arg
        if p.annotation is None:
            if default is None:
                raise self.error(f"parameter '{name}' needs an annotation", p,
                                 "In[K] (a per-token input), Param[K] (a per-head constant), State[K, V] (a state), "
                                 "or a default value for an option (scale=K ** -0.5)")
            self.declared[name] = "option"
            self.options.append((self.name_tok(name, p), self.expr(default, "option")))
            return
        if default is not None:
            raise self.error(f"parameter '{name}' has both an annotation and a default", default,
                             "annotated parameters are inputs or states; an option is a parameter with a default "
                             "and no annotation")
        ann = p.annotation
        base, items = ann, []
        if isinstance(ann, ast.Subscript):
            base = ann.value
            items = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
        kind = self.ident_of(base)
        if kind not in ("State", "In", "Param"):
            raise self.error(f"unknown annotation for parameter '{name}'", ann,
                             "annotate with In[...] (per-token input), Param[...] (per-head constant) or "
                             "State[...] (a state), e.g. q: In[K], g: In[K, loggate], S: State[K, V]")
        dim_toks, role = [], None
        for it in items:
            ident = self.ident_of(it)
            if ident is None:
                raise self.error("an annotation lists dimension names and at most one constraint", it,
                                 "e.g. In[K], In[M, K], In[loggate], In[K, unit], State[K, V]")
            if ident in ROLES:
                if kind == "State":
                    raise self.error(f"a state has no constraint ('{ident}')", it, "write State[K, V]")
                if role is not None:
                    raise self.error("more than one constraint", it, "e.g. In[K, loggate]")
                role = self.tok("NAME", ident, it)
            else:
                tok = self.name_tok(ident, it)
                self.dims.setdefault(ident, tok)
                dim_toks.append(tok)
        self.declared[name] = kind
        ntok = self.name_tok(name, p)
        if kind == "State":
            self.states[name] = {"tok": ntok, "dims": dim_toks, "node": p, "versions": [], "route": None}
        else:
            self.inputs.append(("input" if kind == "In" else "param", ntok, dim_toks, role, p))

    def ident_of(self, node) -> str | None:
        """The identifier a Name, a string constant, or module.attr (lindsl.loggate) stands for."""
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Attribute) and self.is_lindsl(node.value):
            return node.attr
        return None

    def is_lindsl(self, node) -> bool:
        if isinstance(node, ast.Name):
            mod = self.globals.get(node.id)
            return getattr(mod, "__name__", "").split(".")[0] == "lindsl" and inspect.ismodule(mod)
        return False

    # -------------------------------------------------------------- body
    def body(self, stmts) -> None:
        returned = False
        for i, s in enumerate(stmts):
            if returned:
                raise self.error("statement after return", s, "the return statement comes last")
            if isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str):
                continue
            if isinstance(s, ast.Pass):
                continue
            if isinstance(s, ast.Assign):
                if len(s.targets) != 1:
                    raise self.error("chained assignment", s, "assign one name per statement")
                self.assign(s.targets[0], s.value, s)
            elif isinstance(s, ast.AugAssign):
                if not isinstance(s.target, ast.Name):
                    raise self.error("only a name can be assigned", s.target)
                if type(s.op) not in _BINOPS:
                    raise self.error(f"unsupported operator '{_OPNAMES.get(type(s.op), '?')}='", s, _OPS_HINT)
                value = ast.BinOp(ast.Name(s.target.id, ast.Load()), s.op, s.value)
                ast.copy_location(value, s)
                value.end_lineno, value.end_col_offset = s.end_lineno, s.end_col_offset
                ast.copy_location(value.left, s.target)
                value.left.end_lineno, value.left.end_col_offset = s.target.end_lineno, s.target.end_col_offset
                self.assign(s.target, value, s)
            elif isinstance(s, ast.Return):
                self.ret(s)
                returned = True
            elif isinstance(s, ast.Expr):
                raise self.error("this expression statement has no effect", s,
                                 "assign it to a name, or return it as an output")
            else:
                raise self.error(f"unsupported statement ({type(s).__name__.lower()}) in a rule", s,
                                 "a rule is straight-line code: assignments and one return (no if/for/while)")
        if not returned:
            raise self.error("the rule returns nothing", self.node,
                             "end with 'return o' (the outputs), e.g. return S.T @ (scale * q)")
        for name, m in self.macros.items():
            if not m["used"]:
                raise self.error(f"'{name}' reads a state but is not used by any output", m["node"],
                                 "return it, use it in a returned expression, or remove it")

    def assign(self, target, value, stmt) -> None:
        if isinstance(target, ast.Tuple):
            if not (isinstance(value, ast.Tuple) and len(value.elts) == len(target.elts)):
                raise self.error("unpacking needs a tuple of the same length on the right", stmt,
                                 "e.g. qn, kn = l2norm(q), l2norm(k)")
            for tg, v in zip(target.elts, value.elts):
                self.assign(tg, v, stmt)
            return
        if not isinstance(target, ast.Name):
            raise self.error("only a name can be assigned", target, "e.g. S = ..., qn = l2norm(q)")
        name = target.id
        if name in self.states:
            self.assign_state(name, target, value)
            return
        if name in self.declared:
            raise self.error(f"cannot assign to {self.declared[name].lower()} parameter '{name}'", target,
                             "inputs, params and options are given; assign a new name, e.g. qn = l2norm(q)")
        if name in self.let_names or name in self.macros:
            raise self.error(f"'{name}' is assigned twice", target,
                             "a rule is a set of definitions: use a new name (only states are re-assigned)")
        if name in _CONSTANTS or name in BUILTINS or name in _HELPERS:
            raise self.error(f"'{name}' is reserved and cannot be assigned", target, "pick another name")
        tree = self.expr(value, "let")
        if self.has_state(tree):
            self.macros[name] = {"tree": tree, "node": target, "used": False}
        else:
            self.let_names[name] = 0
            self.lets.append((self.name_tok(name, target), tree))

    def assign_state(self, name: str, target, value) -> None:
        st = self.states[name]
        if isinstance(value, ast.Call) and self.callee(value) == "routed":
            if len(value.args) != 2 or value.keywords:
                raise self.error("routed(mask, update) takes the routing mask and the update", value,
                                 "e.g. S = routed(sel, exp(g) * S + k @ v.T) with sel = topk(r, 2)")
            if st["route"] is not None or st["versions"]:
                raise self.error(f"routed(...) must be the only assignment to {name}", value,
                                 "write the whole update inside one routed(mask, update)")
            st["route"] = self.tree("route", [self.expr(value.args[0], "let")], value.args[0])
            value = value.args[1]
        elif st["route"] is not None:
            raise self.error(f"routed(...) must be the only assignment to {name}", target,
                             "write the whole update inside one routed(mask, update)")
        tree = self.expr(value, "update")
        if st["versions"]:
            prev = st["versions"][-1]
            tree = self.substitute(tree, name, len(st["versions"]), prev)
        st["versions"].append(tree)

    def ret(self, s: ast.Return) -> None:
        if s.value is None:
            raise self.error("the rule returns nothing", s, "return the outputs, e.g. return S.T @ (scale * q)")
        items = s.value.elts if isinstance(s.value, ast.Tuple) else [s.value]
        unnamed = []
        for it in items:
            if isinstance(it, ast.Name) and it.id in self.states:
                if not self.states[it.id]["versions"]:
                    raise self.error(f"state {it.id} is returned but never assigned", it,
                                     f"assign its update first, e.g. {it.id} = {it.id} + k @ v.T")
                continue
            if isinstance(it, ast.Name) and it.id in self.let_names:
                if self.let_names[it.id]:
                    raise self.error(f"output '{it.id}' is also used in another expression", it,
                                     "put the shared part in another name and return a separate value")
                idx = next(i for i, (tk, _) in enumerate(self.lets) if str(tk) == it.id)
                tk, tree = self.lets.pop(idx)
                del self.let_names[it.id]
                self.outputs.append((tk, tree))
            elif isinstance(it, ast.Name) and it.id in self.macros:
                m = self.macros[it.id]
                m["used"] = True
                self.outputs.append((self.name_tok(it.id, it), m["tree"]))
            else:
                tree = self.expr(it, "out")
                unnamed.append(it)
                self.outputs.append((None, tree, it))
        if not self.outputs:
            raise self.error("the rule returns no output", s, "return what the layer emits, e.g. return S.T @ q")
        if len(unnamed) > 1:
            raise self.error("several unnamed outputs", unnamed[1],
                             "assign each output to a name and return the names, e.g. return o1, o2")
        self.outputs = [(o[0] if o[0] is not None else self.tok("NAME", "o", o[2]), o[1]) for o in self.outputs]

    # -------------------------------------------------------------- expressions
    def callee(self, call: ast.Call) -> str | None:
        f = call.func
        if isinstance(f, ast.Name):
            return f.id
        if isinstance(f, ast.Attribute) and self.is_lindsl(f.value):
            return f.attr
        return None

    def expr(self, node, ctx: str) -> Tree:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise self.error(f"unsupported constant {v!r}", node, "numbers only")
            if v != v or v in (float("inf"),):
                raise self.error(f"the number {v!r} is not finite", node)
            text = str(v) if isinstance(v, int) else repr(v)
            return self.tree("number", [self.tok("NUMBER", text, node)], node)
        if isinstance(node, ast.Name):
            return self.name(node, ctx)
        if isinstance(node, ast.Attribute):
            if node.attr == "T":
                return self.tree("transpose", [self.expr(node.value, ctx), self.tok("TRANSPOSE", "^T", node)], node)
            if self.is_lindsl(node.value) and node.attr in _CONSTANTS:
                return self.name(ast.copy_location(ast.Name(node.attr, ast.Load()), node), ctx, node)
            raise self.error(f"unsupported attribute '.{node.attr}'", node,
                             "x.T transposes; lindsl helpers are exp, l2norm, diag, outer, ...")
        if isinstance(node, ast.BinOp):
            op = _BINOPS.get(type(node.op))
            if op is None:
                raise self.error(f"unsupported operator '{_OPNAMES.get(type(node.op), '?')}'", node, _OPS_HINT)
            return self.tree(op, [self.expr(node.left, ctx), self.expr(node.right, ctx)], node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                return self.tree("neg", [self.expr(node.operand, ctx)], node)
            if isinstance(node.op, ast.UAdd):
                return self.expr(node.operand, ctx)
            raise self.error(f"unsupported operator '{_OPNAMES.get(type(node.op), '?')}'", node, _OPS_HINT)
        if isinstance(node, ast.Call):
            return self.call(node, ctx)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, ctx)
        what = type(node).__name__.lower()
        raise self.error(f"unsupported expression ({what}) in a rule", node,
                         "expressions use names, numbers, + - * / ** @, x.T, x[t-1] and lindsl helpers")

    def name(self, node: ast.Name, ctx: str, at=None) -> Tree:
        n = node.id
        at = at or node
        if n in self.states:
            st = self.states[n]
            return Tree("_stateref", [self.name_tok(n, at), len(st["versions"])], self.tree("x", [], at).meta)
        if n in self.macros:
            self.macros[n]["used"] = True
            return copy.deepcopy(self.macros[n]["tree"])
        if n in self.let_names:
            self.let_names[n] += 1
        elif n not in self.declared and n not in self.dims and n not in _CONSTANTS:
            if n in BUILTINS or n in _HELPERS:
                raise self.error(f"'{n}' is a function; call it, e.g. {n}(x)", at)
            known = list(self.declared) + list(self.let_names) + list(self.macros) + list(self.states) \
                + list(self.dims)
            close = difflib.get_close_matches(n, known, n=1)
            raise self.error(f"undefined name '{n}'" + (f" (did you mean '{close[0]}'?)" if close else ""), at,
                             "add it as a parameter (q: In[K], u: Param[K], eps=1e-6) or assign it above")
        return self.tree("name", [self.name_tok(n, at)], at)

    def call(self, node: ast.Call, ctx: str) -> Tree:
        fn = self.callee(node)
        if node.keywords:
            raise self.error("keyword arguments are not supported in a rule", node.keywords[0].value
                             if node.keywords[0].value is not None else node, "pass arguments by position")
        if any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error("*args are not supported in a rule", node)
        if fn == "routed":
            raise self.error("routed(mask, update) is only the whole right-hand side of a state assignment", node,
                             "S = routed(sel, exp(g) * S + k @ v.T)")
        if fn in ("outer", "dot"):
            if len(node.args) != 2:
                raise self.error(f"{fn}(a, b) takes two vectors", node)
            a, b = (self.expr(x, ctx) for x in node.args)
            if fn == "outer":
                b = self.tree("transpose", [b, self.tok("TRANSPOSE", "^T", node.args[1])], node.args[1])
            else:
                a = self.tree("transpose", [a, self.tok("TRANSPOSE", "^T", node.args[0])], node.args[0])
            return self.tree("matmul", [a, b], node)
        if fn in BUILTINS:
            args = []
            for i, x in enumerate(node.args):
                if fn == "sum" and i == 1 and isinstance(x, ast.Name):
                    args.append(self.tree("name", [self.name_tok(x.id, x)], x))
                else:
                    args.append(self.expr(x, ctx))
            return self.tree("call", [self.tok("FUNC", fn, node.func)] + args, node)
        label = ast.unparse(node.func)
        close = difflib.get_close_matches(label.split(".")[-1], list(BUILTINS) + list(_HELPERS), n=1)
        raise self.error(f"unknown function '{label}'" + (f" (did you mean '{close[0]}'?)" if close else ""),
                         node.func, "rule bodies use lindsl's helpers: " + ", ".join(sorted(BUILTINS + _HELPERS)))

    def subscript(self, node: ast.Subscript, ctx: str) -> Tree:
        base = node.value
        if not isinstance(base, ast.Name):
            raise self.error("a time index [t-1] applies to a name", node,
                             "shift the inputs inside the expression, e.g. k[t-1] + v[t-1]")
        sl = node.slice
        shift = None
        if isinstance(sl, ast.Name) and sl.id == "t":
            t_node = sl
        elif isinstance(sl, ast.BinOp) and isinstance(sl.left, ast.Name) and isinstance(sl.op, (ast.Add, ast.Sub)) \
                and isinstance(sl.right, ast.Constant) and isinstance(sl.right.value, int) \
                and not isinstance(sl.right.value, bool):
            t_node = sl.left
            sign = self.tok("SIGN", "-" if isinstance(sl.op, ast.Sub) else "+", sl)
            shift = self.tree("shift", [sign, self.tok("NUMBER", str(sl.right.value), sl.right)], sl)
        else:
            raise self.error("only time indices x[t] and x[t-n] are supported", sl,
                             "x[t-1] is the previous token's x; vectors are not indexed by position")
        base_tree = self.tree("name", [self.name_tok(base.id, base)], base)
        if base.id not in self.states:
            self.name(base, ctx)  # the same name checks as a plain use
        return self.tree("timeref", [base_tree, self.tok("NAME", t_node.id, t_node), shift], node)

    # -------------------------------------------------------------- state references
    @staticmethod
    def has_state(tree) -> bool:
        return any(isinstance(n, Tree) and n.data == "_stateref" for n in tree.iter_subtrees())

    def substitute(self, tree, name: str, version: int, value):
        """Replace references to `name` at `version` by the expression that defines that version."""
        if isinstance(tree, Tree):
            if tree.data == "_stateref" and str(tree.children[0]) == name and tree.children[1] == version:
                return copy.deepcopy(value)
            return Tree(tree.data, [self.substitute(c, name, version, value) for c in tree.children], tree.meta)
        return tree

    def resolve(self, tree, ctx: str, state: str | None = None):
        """Turn state references into .lin names: in an update the previous value is the plain name; in an
        output the value before the update is S[t-1] and the value after it S."""
        if not isinstance(tree, Tree):
            return tree
        if tree.data != "_stateref":
            return Tree(tree.data, [self.resolve(c, ctx, state) for c in tree.children], tree.meta)
        tok, version = tree.children
        name = str(tok)
        final = len(self.states[name]["versions"])
        plain = Tree("name", [tok], tree.meta)
        if ctx == "update" or version == final or final == 0:
            return plain
        if version == 0:
            t_tok = Token("NAME", "t", None, tok.line, tok.column, tok.end_line, tok.end_column)
            shift = Tree("shift", [Token("SIGN", "-", None, tok.line, tok.column), Token("NUMBER", "1", None,
                                                                                         tok.line, tok.column)])
            return Tree("timeref", [plain, t_tok, shift], tree.meta)
        raise LinError(f"this reads {name} between two of its assignments (after {version} of {final})",
                       Loc(self.file, tok.line, tok.column, self.lines[tok.line - 1], tok.end_column),
                       f"read {name} before its first assignment (S_(t-1)) or after its last one (S_t)")

    def dim_size(self, name: str, size: str | None, f):
        """The parse tree of a derived dim's size (the .lin grammar's), or None for a base dim."""
        if size is None:
            return None
        from .lin import parse_tree
        tree = parse_tree(f"dim {name} = {size}", f"<dims: {name} = {size}>")
        return self.relocated(tree.children[0].children[0].children[1], f)

    def relocated(self, t, node):
        """A parse (sub)tree from another text placed at node (errors in it point at the rule's def line)."""
        if isinstance(t, Token):
            return self.tok(t.type, str(t), node)
        if not isinstance(t, Tree):
            return t
        return self.tree(t.data, [self.relocated(c, node) for c in t.children], node)

    # -------------------------------------------------------------- emit the .lin parse tree
    def build(self) -> Spec:
        f = self.node
        stmts = [self.tree("name_stmt", [self.name_tok(self.spec_name, f)], f)]
        order = list(self.dims)
        if self.dim_order is not None:
            given = [d.text for d in self.dim_order]
            missing = [d for d in order if d not in given]
            if missing:
                raise self.error(f"dims={given} does not list {', '.join(missing)}", f,
                                 "list every dimension used in the annotations")
            order = given
        sizes = {d.text: d.size for d in self.dim_order or ()}
        placed: list[str] = []

        def place(d, seen=()):  # a derived dim after the dims its size names
            marker = self.globals.get(d)  # its size from its marker in the rule's globals unless dims= gives it
            if sizes.get(d) is None and isinstance(marker, Dim) and marker.text == d and marker.size:
                sizes[d] = marker.size
            if d in placed or d in seen:
                return
            for used in _size_dims(sizes.get(d)):
                if used in order or used in sizes or isinstance(self.globals.get(used), Dim):
                    place(used, seen + (d,))
            placed.append(d)
        for d in order:
            place(d)
        order = placed
        if order:
            stmts.append(self.tree("dim_stmt", [self.tree("dim_decl", [self.dims.get(d) or self.tok("NAME", d, f),
                                                                        self.dim_size(d, sizes.get(d), f)], f)
                                                for d in order], f))
        for kind, ntok, dtoks, role, p in self.inputs:
            shape = self.tree("shape", list(dtoks), p.annotation) if dtoks else None
            stmts.append(self.tree(f"{kind}_stmt", [self.tree("decl", [ntok, shape, role], p)], p))
        for ntok, tree in self.options:
            stmts.append(Tree("option_stmt", [ntok, self.resolve(tree, "option")]))
        for ntok, tree in self.lets:
            stmts.append(Tree("let_stmt", [ntok, self.resolve(tree, "let")]))
        for name, st in self.states.items():
            shape = self.tree("shape", list(st["dims"]), st["node"].annotation)
            route = st["route"]
            if route is not None:
                route = Tree("route", [self.resolve(route.children[0], "let")], route.meta)
            stmts.append(Tree("state_stmt", [st["tok"], shape, route]))
        for name, st in self.states.items():
            if st["versions"]:
                stmts.append(Tree("update_stmt", [st["tok"], self.resolve(st["versions"][-1], "update", name)]))
        for ntok, tree in self.outputs:
            stmts.append(Tree("out_stmt", [ntok, self.resolve(tree, "out")]))
        b = Builder("", self.lines, self.file)
        tree = Tree("start", stmts)
        b.check_depth(tree)
        spec = b.build(tree)
        spec.source = to_lin(spec)
        return spec
