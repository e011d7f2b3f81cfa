"""The chunk-level adjoint of a rank-one recurrence, as equations in PyTorch (a design check for NOTES v39's order
item 1, not product code): reverse mode through the forward's chunk map, whose WY system (W, U) the backward reuses,
instead of the token recurrence run backwards with its own WY system. A scalar key log-gate g, one rank-one factor
(b, a) and one input pair (k, v), reads o_t = S_t^T q_t (Gated DeltaNet's class; the delta rule is b = -beta k):

    S_t = e^{g_t} S_(t-1) + b_t u_t^T + k_t v_t^T,   u_t = S_(t-1)^T a_t

Per chunk (rows t = 0..C-1, S_c the chunk-start state, G the gates' sums within the chunk and G- the exclusive ones,
D(x, y) = e^{x_t - y_s}; L lower with diagonal, SL strictly lower):
    M = (A B^T) o D(G-, G) o SL, N = (A K^T) o D(G-, G) o SL, T = (I - M)^-1, W = T (e^{G-} A), U = T N V,
    u = W S_c + U,  S_(c+1) = e^{G_C} S_c + B~^T u + K~^T V  (B~ = e^{G_C - G} B, K~ likewise)
    O = (e^{G} Q) S_c + P_b u + P_k V,  P_b = (Q B^T) o D(G, G) o L, P_k = (Q K^T) o D(G, G) o L
Backward per chunk, from dS_(c+1) and dO, the chunks last to first:
    du = B~ dS_(c+1) + P_b^T dO                              (no recursion: the WY solve resolved it)
    dS_c = e^{G_C} dS_(c+1) + (e^{G} Q)^T dO + W^T du        (a plain state pass: the forward's kernel with
                                                              W := B~, U0 := P_b^T dO, b := W, k := e^G Q, v := dO)
    dQ = e^{G} (dO S_c^T) + ((dO u^T) o D(G, G) o L) B + ((dO V^T) o D(G, G) o L) K
    dB = B~/B (u dS_(c+1)^T) + ((dO u^T) o D(G, G) o L)^T Q + (dM o D(G-, G))^T A, dK likewise with V and dN
    dV = K~ dS_(c+1) + P_k^T dO + N^T T^T du
    dW = du S_c^T, dT = dW (e^{G-} A)^T + du (N V)^T, dM = (T^T dT T^T) o SL, dN = ((T^T du) V^T) o SL
    dA = e^{G-} (T^T dW) + (dM o D(G-, G)) B + (dN o D(G-, G)) K
    dg: the gauge sums of the engine as they are, dG_t = q.dq - k.dk - b.db + a_(t+1).da_(t+1), dg_t = sum_(s>=t) dG_s
        + sum(dS_T * S_T) (here over the whole sequence; the engine sums within chunks plus boundary terms)
Checked against autograd through the naive token recurrence in fp64:

    python3 benchmarks/chunk_adjoint_proto.py
"""
import torch


def naive(q, k, v, a, b, g, S0):
    S, outs = S0.clone(), []
    for t in range(q.shape[0]):
        u = S.T @ a[t]
        S = g[t].exp() * S + torch.outer(b[t], u) + torch.outer(k[t], v[t])
        outs.append(S.T @ q[t])
    return torch.stack(outs), S


def _decays(x, y, mask):
    """e^{x_t - y_s} where mask, else 0 (every kept exponent <= 0)."""
    return torch.exp(torch.where(mask > 0, x[:, None] - y[None, :], torch.full_like(mask, -torch.inf)))


def chunk_forward(q, k, v, a, b, g, S0, C):
    """Per chunk (W, T, N, u, S_c) kept for the backward; the outputs and final state."""
    T_len = q.shape[0]
    L = torch.tril(torch.ones(C, C, dtype=q.dtype))
    SL = torch.tril(torch.ones(C, C, dtype=q.dtype), -1)
    S, outs, saved = S0.clone(), [], []
    for c0 in range(0, T_len, C):
        Q, K, V, A, B, gc = (x[c0:c0 + C] for x in (q, k, v, a, b, g))
        n = Q.shape[0]
        Ln, SLn = L[:n, :n], SL[:n, :n]
        G = gc.cumsum(0)
        Gx = G - gc
        Dx, Dr = _decays(Gx, G, SLn), _decays(G, G, Ln)
        M, N = (A @ B.T) * Dx, (A @ K.T) * Dx
        Tm = torch.linalg.inv(torch.eye(n, dtype=q.dtype) - M)
        W, U = Tm @ (Gx.exp()[:, None] * A), Tm @ N @ V
        u = W @ S + U
        outs.append(G.exp()[:, None] * (Q @ S) + ((Q @ B.T) * Dr) @ u + ((Q @ K.T) * Dr) @ V)
        saved.append((W, Tm, N, u, S))
        to_end = (G[-1] - G).exp()[:, None]
        S = G[-1].exp() * S + (to_end * B).T @ u + (to_end * K).T @ V
    return torch.cat(outs), S, saved


def chunk_backward(q, k, v, a, b, g, dO, dST, ST, saved, C):
    """Every gradient from the chunk-level adjoint (the equations of the module docstring)."""
    T_len = q.shape[0]
    L = torch.tril(torch.ones(C, C, dtype=q.dtype))
    SL = torch.tril(torch.ones(C, C, dtype=q.dtype), -1)
    grads = {name: torch.zeros_like(x) for name, x in (("q", q), ("k", k), ("v", v), ("a", a), ("b", b))}
    dS = dST.clone()
    for ci, c0 in reversed(list(enumerate(range(0, T_len, C)))):
        Q, K, V, A, B, gc, dOc = (x[c0:c0 + C] for x in (q, k, v, a, b, g, dO))
        n = Q.shape[0]
        Ln, SLn = L[:n, :n], SL[:n, :n]
        G = gc.cumsum(0)
        Gx = G - gc
        Dx, Dr = _decays(Gx, G, SLn), _decays(G, G, Ln)
        to_end = (G[-1] - G).exp()[:, None]
        W, Tm, N, u, Sc = saved[ci]
        Pb, Pk = (Q @ B.T) * Dr, (Q @ K.T) * Dr
        du = (to_end * B) @ dS + Pb.T @ dOc
        dW = du @ Sc.T
        dT = dW @ (Gx.exp()[:, None] * A).T + du @ (N @ V).T
        dM = (Tm.T @ dT @ Tm.T) * SLn * Dx
        dN = ((Tm.T @ du) @ V.T) * SLn * Dx
        grads["q"][c0:c0 + n] = (G.exp()[:, None] * (dOc @ Sc.T) + ((dOc @ u.T) * Dr) @ B
                                 + ((dOc @ V.T) * Dr) @ K)
        grads["b"][c0:c0 + n] = to_end * (u @ dS.T) + ((dOc @ u.T) * Dr).T @ Q + dM.T @ A
        grads["k"][c0:c0 + n] = to_end * (V @ dS.T) + ((dOc @ V.T) * Dr).T @ Q + dN.T @ A
        grads["v"][c0:c0 + n] = (to_end * K) @ dS + Pk.T @ dOc + N.T @ (Tm.T @ du)
        grads["a"][c0:c0 + n] = Gx.exp()[:, None] * (Tm.T @ dW) + dM @ B + dN @ K
        dS = G[-1].exp() * dS + (G.exp()[:, None] * Q).T @ dOc + W.T @ du
    grads["S0"] = dS
    dG = ((q * grads["q"]).sum(-1) - (k * grads["k"]).sum(-1) - (b * grads["b"]).sum(-1))
    dG[:-1] += (a * grads["a"]).sum(-1)[1:]
    dG[-1] += (dST * ST).sum()
    grads["g"] = dG.flip(0).cumsum(0).flip(0)
    return grads


def main():
    g = torch.Generator().manual_seed(0)
    T_len, K, V, C = 45, 6, 5, 16
    f = lambda *s: torch.randn(*s, generator=g, dtype=torch.float64)  # noqa: E731
    q, k, v = f(T_len, K), f(T_len, K), f(T_len, V)
    a = torch.nn.functional.normalize(f(T_len, K), dim=-1)
    b = -0.5 * a + 0.1 * f(T_len, K)  # a rank-one factor near the delta rule's, not equal to it
    gates = -torch.rand(T_len, generator=g, dtype=torch.float64) * 0.3
    S0 = f(K, V)
    leaves = [x.clone().requires_grad_(True) for x in (q, k, v, a, b, gates, S0)]
    o, ST = naive(*leaves)
    dO, dST = f(T_len, V), f(K, V)
    want = torch.autograd.grad((o * dO).sum() + (ST * dST).sum(), leaves)
    o, ST = o.detach(), ST.detach()
    oc, STc, saved = chunk_forward(q, k, v, a, b, gates, S0, C)
    print(f"forward: outputs {float((oc - o).abs().max()):.1e}, final state {float((STc - ST).abs().max()):.1e}")
    got = chunk_backward(q, k, v, a, b, gates, dO, dST, STc, saved, C)
    worst = 0.0
    for name, w in zip(("q", "k", "v", "a", "b", "g", "S0"), want):
        err = float((got[name] - w).abs().max() / w.abs().max())
        worst = max(worst, err)
        print(f"d{name}: {err:.1e}")
    assert worst < 1e-10, worst
    print("chunk-level adjoint equals autograd through the token recurrence")


if __name__ == "__main__":
    main()
