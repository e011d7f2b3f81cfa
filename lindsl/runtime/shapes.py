"""Binding of spec dimensions to tensor sizes, with clear errors for mismatched shapes.

Torch-only; inlined into generated modules. A declaration is (name, kind, dims) with kind
"input" (per token: [B, T, H, *dims]) or "param" (per head: [H, *dims]).
"""
import torch


class ShapeError(ValueError):
    """An argument's shape does not match the spec's declaration."""


def poly_size(terms, sizes):
    """A polynomial's value for the dims' sizes; terms: (coefficient, ((dim, power), ...)) (lindsl.dimexpr)."""
    total = 0
    for c, mono in terms:
        for d, p in mono:
            c = c * sizes[d] ** p
        total += c
    return total


def bind_dims(decls, tensors, known=None, derived=()):
    """Return (sizes, B, T, H) from the arguments; sizes maps each dim name to its size. derived: [(dim, terms)],
    each a polynomial of the dims before it as terms (coefficient, ((dim, power), ...)) (lindsl.dimexpr)."""
    sizes = dict(known or {})
    B = T = H = None
    for name, kind, dims in decls:
        x = tensors.get(name)
        if x is None:
            raise ShapeError(f"missing argument '{name}'")
        if not isinstance(x, torch.Tensor):
            raise ShapeError(f"argument '{name}' must be a tensor, got {type(x).__name__}")
        shape = tuple(x.shape)
        lead = 3 if kind == "input" else 1
        if len(shape) != lead + len(dims):
            layout = ("[B, T, H" if kind == "input" else "[H") + "".join(", " + d for d in dims) + "]"
            raise ShapeError(f"argument '{name}' must have shape {layout}, got {list(shape)}")
        if kind == "input":
            if (B is not None and shape[:2] != (B, T)) or (H is not None and shape[2] != H):
                for label, cur, new in zip("BTH", (B, T, H), shape):
                    if cur is not None and cur != new:
                        raise ShapeError(f"argument '{name}' has {label}={new}, earlier arguments have {label}={cur}")
            B, T, H = shape[:3]
        else:
            if H is not None and shape[0] != H:
                raise ShapeError(f"param '{name}' has {shape[0]} heads, the inputs have H={H}")
            H = shape[0]
        for d, n in zip(dims, shape[lead:]):
            if sizes.setdefault(d, n) != n:
                raise ShapeError(f"dimension {d}: argument '{name}' has {n}, earlier arguments have {sizes[d]}")
    if B is None:
        raise ShapeError("the spec has no per-token input")
    for d, terms in derived:
        n = poly_size(terms, sizes)
        if n < 1:
            raise ShapeError(f"dimension {d} has size {n} for these arguments' sizes; it must be positive")
        if sizes.setdefault(d, n) != n:
            raise ShapeError(f"dimension {d} is {n} from its definition, the arguments have {sizes[d]}")
    sizes["H"] = H
    return sizes, B, T, H
