"""Model layers built from a spec: a drop-in token-mixing layer and a small causal LM for experiments.

    layer = lindsl.nn.LinearAttention("gated_deltanet", d_model=256, num_heads=4)   # [B, T, D] -> [B, T, D]
    lm = lindsl.nn.CausalLM("gla", vocab_size=1000, d_model=128, n_layers=2)
"""
from .layer import LinearAttention, ShortConv
from .model import CausalLM, GatedMLP

__all__ = ["LinearAttention", "ShortConv", "CausalLM", "GatedMLP"]
