"""Quickstart: compile a library spec, run it forward and backward, decode token by token.

    python examples/quickstart.py
"""
import torch

import lindsl
from lindsl.check import random_inputs

op = lindsl.load("gated_deltanet")          # a library name, a .lin path, or .lin text
print(op.spec.name, "inputs:", [d.name for d in op.spec.inputs])

B, T, H, K, V = 2, 100, 4, 32, 32
args = random_inputs(op.spec, B, T, H, {"K": K, "V": V}, torch.float32, seed=0)
q, k, v, g, beta = (args[n].requires_grad_() for n in ("q", "k", "v", "g", "beta"))

o, S = op(q, k, v, g, beta, output_final_state=True)   # fla's convention: [B, T, H, D], fp32 state
o.square().sum().backward()                             # the derived backward
print("output", tuple(o.shape), "state", tuple(S.shape), "engine", op.last_backend)
print("grad norms", {n: round(float(x.grad.norm()), 4) for n, x in zip("q k v g beta".split(), (q, k, v, g, beta))})

# decoding: one token at a time, the state carried between calls, equals the whole-sequence output
state, outs = None, []
with torch.no_grad():
    for t in range(T):
        o_t, state = op.step(q[:, t:t + 1], k[:, t:t + 1], v[:, t:t + 1], g[:, t:t + 1], beta[:, t:t + 1],
                             initial_state=state, output_final_state=True)
        outs.append(o_t)
print("decode == chunked:", torch.allclose(torch.cat(outs, 1), o.detach(), atol=1e-5))
