"""A token-mixing layer from a spec: projections derived from the spec's inputs and their roles, an optional
short causal convolution, the compiled op, an output norm and an output gate (the conventions of
../shared/reference/seed-recurrences.md: GLA, DeltaNet, Gated DeltaNet, Mamba-2 in fla).

Per-token input by role (`in x[...]: role`), computed from the layer input h [B, T, D]:
  real vector over K/V dims  Linear -> short causal conv (kernel 4) -> SiLU     (q, k, v; DeltaNet/GDN)
  real, over a memory axis   Linear                                             (router scores r[M])
  real scalar                Linear
  loggate vector [K]         logsigmoid(W2 W1 h + b) / 16, low rank 16          (GLA)
  loggate scalar / over [M]  -exp(A_log) * softplus(W h + dt_bias)              (Gated DeltaNet, Mamba-2)
  unit                       sigmoid(W h)                                       (beta)
  positive / nonneg          softplus(W h + dt_bias), dt_bias from dt ~ logU(1e-3, 0.1) (Mamba dt)
  negative                   -softplus(W h)
  unitnorm                   l2norm(W h)
Per-head params: negative -> -exp(A_log), A ~ U(1, 16) (Mamba A); loggate -> -softplus(p); unit -> sigmoid(p);
positive/nonneg -> softplus(p); real scalars start at 1 (Mamba D), real vectors at 0.
Output: RMSNorm over each head's value dim, times silu(W_g h) (GLA/GDN FusedRMSNormGated), then W_o.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..dimexpr import with_derived
from ..ir import Spec


def _load(spec):
    """An Op from an Op, a Spec, a library name, a .lin path or .lin text."""
    from ..runtime.op import Op, load
    return spec if isinstance(spec, Op) else load(spec)


class ShortConv(nn.Module):
    """Depthwise causal 1-D convolution over time, [B, T, C] -> [B, T, C], with a cache of the last W-1 inputs."""

    def __init__(self, channels: int, kernel: int):
        super().__init__()
        self.kernel = kernel
        self.weight = nn.Parameter(torch.empty(channels, 1, kernel))
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor, cache: torch.Tensor | None = None):
        xt = x.transpose(1, 2)
        past = cache if cache is not None else xt.new_zeros(xt.shape[0], xt.shape[1], self.kernel - 1)
        full = torch.cat([past, xt], dim=2)
        y = F.conv1d(full, self.weight, self.bias, groups=xt.shape[1])
        return y.transpose(1, 2), full[:, :, full.shape[2] - (self.kernel - 1):]


class _Input(nn.Module):
    """The projection of one per-token input of the spec."""

    def __init__(self, d_model: int, H: int, shape: tuple[int, ...], role: str, conv: int, mem: bool, low_rank: int,
                 normalizer: float, A_range: tuple[float, float] = (1.0, 16.0)):
        super().__init__()
        self.H, self.shape, self.role, self.normalizer = H, shape, role, normalizer
        n = H * math.prod(shape)
        self.n = n
        self.vector_gate = role == "loggate" and not mem and len(shape) == 1
        if self.vector_gate:
            self.down = nn.Linear(d_model, low_rank, bias=False)
            self.up = nn.Linear(low_rank, n, bias=True)
        else:
            self.proj = nn.Linear(d_model, n, bias=False)
        self.conv = ShortConv(n, conv) if conv and role == "real" and shape and not mem else None
        if role == "loggate" and not self.vector_gate:
            self.A_log = nn.Parameter(torch.log(torch.empty(n).uniform_(*A_range)))
        if role in ("loggate", "positive", "nonneg") and not self.vector_gate:
            dt = torch.exp(torch.rand(n) * (math.log(0.1) - math.log(1e-3)) + math.log(1e-3)).clamp_min(1e-4)
            self.dt_bias = nn.Parameter(dt + torch.log(-torch.expm1(-dt)))  # inverse softplus

    def forward(self, h: torch.Tensor, cache: torch.Tensor | None = None):
        B, T = h.shape[:2]
        new_cache = None
        if self.vector_gate:
            x = F.logsigmoid(self.up(self.down(h))) / self.normalizer
        else:
            x = self.proj(h)
            role = self.role
            if self.conv is not None:
                x, new_cache = self.conv(x, cache)
                x = F.silu(x)
            elif role == "loggate":
                x = -torch.exp(self.A_log) * F.softplus(x + self.dt_bias)
            elif role == "unit":
                x = torch.sigmoid(x)
            elif role in ("positive", "nonneg"):
                x = F.softplus(x + self.dt_bias)
            elif role == "negative":
                x = -F.softplus(x)
        x = x.reshape(B, T, self.H, *self.shape)
        if self.role == "unitnorm":
            x = F.normalize(x, dim=-1)
        return x, new_cache


class _Param(nn.Module):
    def __init__(self, H: int, shape: tuple[int, ...], role: str):
        super().__init__()
        self.role = role
        if role == "negative":
            init = torch.log(torch.empty(H, *shape).uniform_(1, 16))
        elif role == "real":
            init = torch.ones(H, *shape) if not shape else torch.zeros(H, *shape)
        else:
            init = torch.zeros(H, *shape)
        self.p = nn.Parameter(init)

    def forward(self):
        p, role = self.p, self.role
        if role == "negative":
            return -torch.exp(p)
        if role == "loggate":
            return -F.softplus(p)
        if role == "unit":
            return torch.sigmoid(p)
        if role in ("positive", "nonneg"):
            return F.softplus(p)
        if role == "unitnorm":
            return F.normalize(p, dim=-1)
        return p


class LinearAttention(nn.Module):
    """A drop-in attention block [B, T, d_model] -> [B, T, d_model] running the spec's recurrence per head.

    sizes: the spec's dims (default K = V = d_model / num_heads, memory axes 4). conv_size: kernel of the short
    causal convolutions on real vector inputs (0: none). A_range: the init range of the scalar decay rate A. forward(h, cache=None, use_cache=False) returns
    (output, cache); with a cache, one token runs the decode form (op.step) and longer inputs the chunked op
    started from the cached state. The cache is {"state": final states, "conv": short-conv tails, "prev": the
    last n tokens of each input the spec reads shifted (x[t-n]), empty for a spec without token shifts}.
    """

    def __init__(self, spec, d_model: int, num_heads: int = 1, sizes: dict[str, int] | None = None,
                 conv_size: int = 4, output_norm: bool = True, output_gate: bool = True, chunk_size: int | None = None,
                 gate_low_rank: int = 16, gate_logit_normalizer: float = 16.0, norm_eps: float = 1e-5,
                 A_range: tuple[float, float] = (1.0, 16.0)):
        super().__init__()
        self.op = _load(spec)
        s: Spec = self.op.spec
        if d_model % num_heads and sizes is None:
            raise ValueError(f"d_model {d_model} is not divisible by num_heads {num_heads}; pass sizes=")
        mems = {st.ty.mem for st in s.states if st.ty.mem} | {i.ty.mem for i in s.inputs if i.ty.mem}
        self.sizes = {d: (4 if d in mems else d_model // num_heads) for d in s.dims if d not in s.derived_dims}
        self.sizes.update(sizes or {})
        unknown = set(sizes or {}) - (set(s.dims) - set(s.derived_dims))
        if unknown:
            raise ValueError(f"sizes names {sorted(unknown)}, which are not base dims of spec {s.name} ({s.dims}; "
                             f"derived: {sorted(s.derived_dims)})")
        self.sizes = with_derived(s.derived_dims, self.sizes)
        if len(s.outputs) != 1:
            raise ValueError(f"spec {s.name} has {len(s.outputs)} outputs; a layer needs exactly one")
        out_ty = s.outputs[0][1].ty
        self.head_v = self.sizes[out_ty.dims[0]] if out_ty.kind == "vec" else 1
        self.H, self.d_model, self.chunk_size = num_heads, d_model, chunk_size
        # inputs read with a token shift (x[t-n]): the decode cache carries their last n tokens (op.shifts)
        self.shifted = self.op.shifts
        self.inputs = nn.ModuleDict()
        self.params = nn.ModuleDict()
        for d in s.inputs:
            dims = ([d.ty.mem] if d.ty.mem else []) + list(d.ty.dims)
            shape = tuple(self.sizes[x] for x in dims)
            over_mem = bool(d.ty.mem) or (len(dims) == 1 and dims[0] in mems)
            if d.kind == "param":
                self.params[d.name] = _Param(num_heads, shape, d.role)
            else:
                self.inputs[d.name] = _Input(d_model, num_heads, shape, d.role, conv_size, over_mem, gate_low_rank,
                                             gate_logit_normalizer, A_range)
        self.norm = nn.RMSNorm(self.head_v, eps=norm_eps) if output_norm else None
        self.gate = nn.Linear(d_model, num_heads * self.head_v, bias=False) if output_gate else None
        self.o_proj = nn.Linear(num_heads * self.head_v, d_model, bias=False)

    @property
    def spec(self) -> Spec:
        return self.op.spec

    def state_size(self) -> int:
        """Floats of recurrent state per sequence (all heads, all states)."""
        total = 0
        for st in self.spec.states:
            dims = ([st.ty.mem] if st.ty.mem else []) + list(st.ty.dims)
            total += self.H * math.prod(self.sizes[d] for d in dims)
        return total

    def forward(self, h: torch.Tensor, cache: dict | None = None, use_cache: bool = False):
        B, T, _ = h.shape
        conv_cache = (cache or {}).get("conv", {})
        args, new_conv = [], {}
        for d in self.spec.inputs:
            if d.kind == "param":
                args.append(self.params[d.name]())
            else:
                x, c = self.inputs[d.name](h, conv_cache.get(d.name))
                args.append(x)
                if c is not None:
                    new_conv[d.name] = c
        state = (cache or {}).get("state")
        want_state = use_cache or cache is not None
        kw = {}
        if self.shifted:
            kw = dict(prev_inputs=(cache or {}).get("prev"), output_prev_inputs=want_state)
        if cache is not None and T == 1:
            with torch.no_grad():
                res = self.op.step(*args, initial_state=state, output_final_state=True, **kw)
        else:
            res = self.op(*args, initial_state=state, output_final_state=want_state, chunk_size=self.chunk_size, **kw)
        o, fin = res[0], res[1]
        prev = res[2] if len(res) > 2 else {}
        if o.dim() == 3:
            o = o.unsqueeze(-1)
        if self.norm is not None:
            o = self.norm(o)
        if self.gate is not None:
            o = o * F.silu(self.gate(h)).reshape(B, T, self.H, self.head_v)
        y = self.o_proj(o.reshape(B, T, self.H * self.head_v).to(h.dtype))
        return y, ({"state": fin, "conv": new_conv, "prev": prev} if want_state else None)

