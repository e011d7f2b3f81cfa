"""Semantics of the .lin builtin functions, as torch code.

This file is the single definition: the naive interpreter calls these functions and the code
generator inlines this file's source into every generated module (it imports only torch).
"""
import torch
import torch.nn.functional as F

L2NORM_EPS = 1e-6


def l2norm(x):
    """x / sqrt(sum(x^2) + 1e-6) over the last axis (fla's convention); bf16/fp16 inputs are normalized in fp32
    and the result stays fp32 (a bf16 sum of squares costs the delta rule its output tolerance)."""
    if x.dtype in (torch.bfloat16, torch.float16):
        x = x.float()
    return x * torch.rsqrt((x * x).sum(-1, keepdim=True) + L2NORM_EPS)


def topk_mask(x, n):
    """1.0 at the n largest entries of the last axis, 0.0 elsewhere (no gradient), in x's dtype.

    The ones are a tensor of x's dtype, not the scalar 1.0: inductor (torch 2.11, CUDA) typed a bf16 scatter of the
    scalar as fp32 and the compiled prologue lost the gradients behind it (benchmarks/NOTES.md, v7)."""
    n = min(int(n), x.shape[-1])
    idx = x.detach().topk(n, dim=-1).indices
    return torch.zeros_like(x).scatter(-1, idx, torch.ones(idx.shape, dtype=x.dtype, device=x.device))


def cat_vec(*parts):
    """cat(a, b, ...) over the last axis: tensors [..., d] (a per-token scalar as [..., 1]) and Python numbers
    (one entry each), broadcast to one leading shape."""
    tensors = [p for p in parts if torch.is_tensor(p)]
    lead = torch.broadcast_shapes(*[p.shape[:-1] for p in tensors])
    dtype = tensors[0].dtype
    for p in tensors[1:]:
        dtype = torch.promote_types(dtype, p.dtype)
    return torch.cat([p.to(dtype).expand(*lead, p.shape[-1]) if torch.is_tensor(p)
                      else torch.full((*lead, 1), float(p), dtype=dtype, device=tensors[0].device) for p in parts], -1)


def kron_vec(x, y):
    """kron(x, y) over the last axis: entry i * len(y) + j is x_i y_j."""
    return (x.unsqueeze(-1) * y.unsqueeze(-2)).flatten(-2)


def elu(x):
    return F.elu(x)


def silu(x):
    return F.silu(x)


def softplus(x):
    return F.softplus(x)


def logsigmoid(x):
    return F.logsigmoid(x)


ELEMENTWISE = {
    "exp": torch.exp, "log": torch.log, "sigmoid": torch.sigmoid, "logsigmoid": logsigmoid, "silu": silu,
    "relu": torch.relu, "elu": elu, "softplus": softplus, "tanh": torch.tanh, "sqrt": torch.sqrt, "abs": torch.abs,
}
