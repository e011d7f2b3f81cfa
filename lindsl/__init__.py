"""lindsl: a compiler for linear attention recurrences.

    op = lindsl.load("library/gated_deltanet.lin")
    o, S = op(q, k, v, g, beta, output_final_state=True)
"""
from .errors import LinError

__version__ = "0.1.0"
__all__ = ["LinError", "__version__", "load", "parse_spec", "parse_file", "check"]


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
