"""lindsl: a compiler for linear attention recurrences.

    op = lindsl.load("library/gated_deltanet.lin")
    o, S = op(q, k, v, g, beta, output_final_state=True)

or, from Python (see docs/language.md, "Python rules"):

    K, V = lindsl.dims("K V")

    @lindsl.rule
    def gla(S: State[K, V], q: In[K], k: In[K], v: In[V], g: In[K, loggate], scale=K ** -0.5):
        S = diag(exp(g)) @ S + k @ v.T
        return S.T @ (scale * q)
"""
from .errors import LinError

__version__ = "0.1.0"
__all__ = ["LinError", "__version__", "load", "parse_spec", "parse_file", "check", "rule", "jit"]


def load(source, cache: bool = True):
    """Compile a spec (a .lin path, .lin text or a parsed Spec) into a callable op."""
    from .runtime.op import load as _load
    return _load(source, cache=cache)


def parse_spec(text: str, file: str = "<spec>"):
    """Parse and type-check .lin text into the IR."""
    from .frontend import parse_spec as _p
    return _p(text, file)


def parse_file(path):
    """Parse and type-check a .lin file into the IR."""
    from .frontend import parse_file as _p
    return _p(path)


def check(source, quick: bool = False):
    """Verify a spec's derived forms (sympy proof; chunkwise vs naive, forward and gradients)."""
    from .check import check as _c
    return _c(source, quick=quick)


_PY_NAMES = {"rule", "jit", "spec_of", "dims", "State", "In", "Param", "I", "t", "head", "H", "outer", "dot", "routed",
             "real", "loggate", "unit", "positive", "negative", "nonneg", "unitnorm", "exp", "log", "sigmoid",
             "logsigmoid", "silu", "relu", "elu", "softplus", "tanh", "sqrt", "abs", "l2norm", "softmax", "sum",
             "diag", "topk", "min", "max", "cat", "kron"}


def __getattr__(name):
    """lindsl.nn, lindsl.search and the decorator frontend's names (rule, jit, State, In, dims, exp, ...), imported
    on first use."""
    if name in ("nn", "search"):
        import importlib
        return importlib.import_module(f".{name}", __name__)
    if name not in _PY_NAMES:
        raise AttributeError(f"module 'lindsl' has no attribute {name!r}")
    from .frontend import python as _py
    if name in _py.HELPERS:
        return _py.HELPERS[name]
    if name in _py.__all__:
        return getattr(_py, name)
    raise AttributeError(f"module 'lindsl' has no attribute {name!r}")
