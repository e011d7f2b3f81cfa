"""Binding of spec dimensions to tensor sizes, with clear errors for mismatched shapes.

Torch-only; inlined into generated modules. A declaration is (name, kind, dims) with kind
"input" (per token: [B, T, H, *dims]) or "param" (per head: [H, *dims]).
"""
import torch


class ShapeError(ValueError):
    """An argument's shape does not match the spec's declaration."""


def bind_dims(decls, tensors, known=None):
    """Return (sizes, B, T, H) from the arguments; sizes maps each dim name to its size."""
    sizes = dict(known or {})
    B = T = H = None
    for name, kind, dims in decls:
        x = tensors.get(name)
        if x is None:
            raise ShapeError(f"missing argument '{name}'")
        if not torch.is_tensor(x):
            raise ShapeError(f"argument '{name}' must be a tensor, got {type(x).__name__}")
        lead = 3 if kind == "input" else 1
        want = lead + len(dims)
        if x.dim() != want:
            layout = ("[B, T, H" if kind == "input" else "[H") + "".join(", " + d for d in dims) + "]"
            raise ShapeError(f"argument '{name}' must have shape {layout}, got {list(x.shape)}")
        if kind == "input":
            b, t, h = x.shape[:3]
            for label, cur, new in (("B", B, b), ("T", T, t), ("H", H, h)):
                if cur is not None and cur != new:
                    raise ShapeError(f"argument '{name}' has {label}={new}, earlier arguments have {label}={cur}")
            B, T, H = b, t, h
        else:
            if H is not None and x.shape[0] != H:
                raise ShapeError(f"param '{name}' has {x.shape[0]} heads, the inputs have H={H}")
            H = x.shape[0]
        for d, n in zip(dims, x.shape[lead:]):
            if d in sizes and sizes[d] != n:
                raise ShapeError(f"dimension {d}: argument '{name}' has {n}, earlier arguments have {sizes[d]}")
            sizes[d] = int(n)
    if B is None:
        raise ShapeError("the spec has no per-token input")
    sizes["H"] = H
    return sizes, B, T, H
