"""A small causal LM for experiments: embedding, blocks of (RMSNorm, LinearAttention, RMSNorm, gated MLP), a final
RMSNorm and a tied output head. forward(ids, cache=None, use_cache=False) -> (logits, cache); generate() decodes
greedily with the per-layer state cache (op.step for each new token)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .layer import LinearAttention, _load


class GatedMLP(nn.Module):
    """SwiGLU: W_down (silu(W_gate x) * W_up x), hidden = 8/3 * d rounded up to a multiple of 8."""

    def __init__(self, d_model: int, ratio: float = 4.0):
        super().__init__()
        hidden = int(ratio * d_model * 2 / 3 + 7) // 8 * 8
        self.gate_up = nn.Linear(d_model, 2 * hidden, bias=False)
        self.down = nn.Linear(hidden, d_model, bias=False)

    def forward(self, x):
        g, u = self.gate_up(x).chunk(2, dim=-1)
        return self.down(F.silu(g) * u)


class Block(nn.Module):
    def __init__(self, op, d_model: int, num_heads: int, mlp_ratio: float, **layer_kw):
        super().__init__()
        self.attn_norm = nn.RMSNorm(d_model, eps=1e-5)
        self.attn = LinearAttention(op, d_model, num_heads, **layer_kw)
        self.mlp_norm = nn.RMSNorm(d_model, eps=1e-5)
        self.mlp = GatedMLP(d_model, mlp_ratio)

    def forward(self, x, cache=None, use_cache=False):
        a, cache = self.attn(self.attn_norm(x), cache, use_cache)
        x = x + a
        return x + self.mlp(self.mlp_norm(x)), cache


class CausalLM(nn.Module):
    """Token ids [B, T] -> logits [B, T, vocab]; every block mixes tokens with the spec's recurrence."""

    def __init__(self, spec, vocab_size: int, d_model: int = 64, n_layers: int = 2, num_heads: int = 1,
                 mlp_ratio: float = 4.0, **layer_kw):
        super().__init__()
        op = _load(spec)
        self.embed = nn.Embedding(vocab_size, d_model)
        self.blocks = nn.ModuleList(Block(op, d_model, num_heads, mlp_ratio, **layer_kw) for _ in range(n_layers))
        self.norm = nn.RMSNorm(d_model, eps=1e-5)
        self.head = nn.Linear(d_model, vocab_size, bias=False)
        self.head.weight = self.embed.weight
        nn.init.normal_(self.embed.weight, std=0.02)

    def forward(self, ids: torch.Tensor, cache: list | None = None, use_cache: bool = False):
        x = self.embed(ids)
        new = []
        for i, blk in enumerate(self.blocks):
            x, c = blk(x, cache[i] if cache is not None else None, use_cache)
            new.append(c)
        logits = self.head(self.norm(x))
        return logits, (new if (use_cache or cache is not None) else None)

    @torch.no_grad()
    def generate(self, ids: torch.Tensor, max_new_tokens: int) -> torch.Tensor:
        """Greedy decoding: the prompt runs chunked (filling the cache), then one op.step per new token."""
        logits, cache = self(ids, use_cache=True)
        out = [ids]
        nxt = logits[:, -1:].argmax(-1)
        for _ in range(max_new_tokens):
            out.append(nxt)
            logits, cache = self(nxt, cache)
            nxt = logits[:, -1:].argmax(-1)
        return torch.cat(out, dim=1)

    def state_size(self) -> int:
        """Floats of recurrent state per sequence, summed over layers."""
        return sum(b.attn.state_size() for b in self.blocks)
