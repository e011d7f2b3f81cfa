"""lindsl: a compiler for linear attention recurrences."""
from .errors import LinError

__version__ = "0.1.0"
__all__ = ["LinError", "__version__"]
