"""The chunk-level adjoint of the canonical rank-one recurrence, as equations in PyTorch (a design check for NOTES
v39's order item 1, not product code): reverse mode through the forward's chunk map, whose WY system (W, T) the
backward reuses, instead of the token recurrence run backwards with its own WY system. The engine's class without a
value gate: a key log-gate g (none, scalar or per dimension), R rank-one factors (b_j, a_j), P input pairs
(k_i, v_i) and reads o = S_t^T x (after) or S_(t-1)^T x (before):

    S_t = D_t S_(t-1) + sum_j b_j u_j^T + sum_i k_i v_i^T,   u_j = S_(t-1)^T a_j,   D_t = diag(e^{g_t})

Per chunk (S_c its start state; G the gates' sums within the chunk, G- the exclusive ones; a pair score of a row x_t
and a source y_s is sum_d x_t[d] y_s[d] e^{E_t[d] - G_s[d]} over the pairs the mask keeps, E the row's exponent):
    M = scores(a, b; G-, s < t), N = scores(a, k; G-, s < t), T = (I - M)^-1, W = T (e^{G-} a), U = T N V
    u = W S_c + U,   S_(c+1) = e^{G_C} S_c + (e^{G_C - G} b)^T u + (e^{G_C - G} k)^T V
    o = (e^{E} x) S_c + P_b u + P_k V   with P_b = scores(x, b; E), P_k = scores(x, k; E)
      (after: E = G, s <= t; before: E = G-, s < t)
Backward per chunk, from dS_(c+1) and dO, the chunks last to first:
    du = (e^{G_C - G} b) dS_(c+1) + sum_reads P_b^T dO          (no recursion: the WY solve resolved it)
    dS_c = e^{G_C} dS_(c+1) + sum_reads (e^{E} x)^T dO + W^T du (a plain state pass: the forward's state kernel with
                                                                W := e^{G_C - G} b, U0 := sum P_b^T dO, b := W,
                                                                k := e^E x, v := dO)
    dW = du S_c^T, dT = dW (e^{G-} a)^T + du (N V)^T, dM = (T^T dT T^T) o SL, dN = ((T^T du) V^T) o SL
    dx = e^{E} (dO S_c^T) + dscores(P_b: dO u^T) + dscores(P_k: dO V^T)
    db = e^{G_C - G} (u dS_(c+1)^T) + dscores(P_b) + dscores(M: dM),  dk likewise (P_k, N: dN)
    dv = (e^{G_C - G} k) dS_(c+1) + sum_reads P_k^T dO + N^T T^T du
    da = e^{G-} (T^T dW) + dscores(M) + dscores(N)
    dg: the engine's gauge sums as they are: dG_t = sum x.dx (at t - 1 for reads before) - k.dk - b.db
        + a_(t+1).da_(t+1), plus rowsum(dS_T * S_T) at T; dg_t = sum_(s >= t) dG_s (summed over K for a scalar gate)
dscores(P: dP) is the product rule through P's pair scores: each row and source takes the other side's vectors
decayed and weighted by dP. Checked against autograd through the token recurrence in fp64, over gates, factor counts
and read timings:

    python3 benchmarks/chunk_adjoint_proto.py
"""
import itertools

import torch


def naive(x, k, v, a, b, g, S0, timings):
    """The token recurrence; x [reads, T, K], k [T, P, K], v [T, P, V], a, b [T, R, K], g [T, K] (log-gates)."""
    S, outs = S0.clone(), [[] for _ in timings]
    for t in range(k.shape[0]):
        for r, timing in enumerate(timings):
            if timing == "before":
                outs[r].append(S.T @ x[r, t])
        u = S.T @ a[t].T  # [V, R]
        S = g[t].exp()[:, None] * S + b[t].T @ u.T + k[t].T @ v[t]
        for r, timing in enumerate(timings):
            if timing == "after":
                outs[r].append(S.T @ x[r, t])
    return torch.stack([torch.stack(o) for o in outs]), S


def _pair_decays(E, F, rows_t, cols_t, strict):
    """[rows, cols, K]: e^{E[rows_t] - F[cols_t]} where the source token precedes (strict) or is at most the row's."""
    keep = cols_t[None, :] < rows_t[:, None] if strict else cols_t[None, :] <= rows_t[:, None]
    diff = E[rows_t][:, None, :] - F[cols_t][None, :, :]
    return torch.where(keep[..., None], diff, torch.full_like(diff, -torch.inf)).exp()


def _scores(x, y, D):
    return torch.einsum("td,sd,tsd->ts", x, y, D)


def _dscores(dP, x, y, D):
    """The gradients of _scores(x, y, D) with respect to x and y, given dP."""
    return torch.einsum("ts,sd,tsd->td", dP, y, D), torch.einsum("ts,td,tsd->sd", dP, x, D)


def _chunk(c0, C, T_len, R, P):
    n = min(C, T_len - c0)
    tok = torch.arange(n)
    return n, tok, tok.repeat_interleave(R), tok.repeat_interleave(P)


def chunk_forward(x, k, v, a, b, g, S0, timings, C):
    """The outputs, the final state and per chunk what the backward takes (W, T, N, u, S_c)."""
    T_len, R, K = a.shape
    P = k.shape[1]
    S, outs, saved = S0.clone(), [], []
    for c0 in range(0, T_len, C):
        n, tok, tR, tP = _chunk(c0, C, T_len, R, P)
        G = g[c0:c0 + n].cumsum(0)
        Gx = G - g[c0:c0 + n]
        A, B = a[c0:c0 + n].reshape(n * R, K), b[c0:c0 + n].reshape(n * R, K)
        Kc, Vc = k[c0:c0 + n].reshape(n * P, K), v[c0:c0 + n].reshape(n * P, v.shape[-1])
        M = _scores(A, B, _pair_decays(Gx, G, tR, tR, True))
        N = _scores(A, Kc, _pair_decays(Gx, G, tR, tP, True))
        Tm = torch.linalg.inv(torch.eye(n * R, dtype=a.dtype) - M)
        W = Tm @ (Gx.exp()[tR] * A)
        u = W @ S + Tm @ N @ Vc
        o = []
        for r, timing in enumerate(timings):
            E = G if timing == "after" else Gx
            X = x[r, c0:c0 + n]
            strict = timing == "before"
            o.append((E.exp() * X) @ S + _scores(X, B, _pair_decays(E, G, tok, tR, strict)) @ u
                     + _scores(X, Kc, _pair_decays(E, G, tok, tP, strict)) @ Vc)
        outs.append(torch.stack(o))
        saved.append((W, Tm, N, u, S))
        to_end = (G[-1] - G).exp()
        S = G[-1].exp()[:, None] * S + (to_end[tR] * B).T @ u + (to_end[tP] * Kc).T @ Vc
    return torch.cat(outs, 1), S, saved


def chunk_backward(x, k, v, a, b, g, dO, dST, ST, saved, timings, C):
    """Every gradient from the chunk-level adjoint (the equations of the module docstring)."""
    T_len, R, K = a.shape
    P = k.shape[1]
    grads = {name: torch.zeros_like(t) for name, t in (("x", x), ("k", k), ("v", v), ("a", a), ("b", b))}
    dS = dST.clone()
    for ci, c0 in reversed(list(enumerate(range(0, T_len, C)))):
        n, tok, tR, tP = _chunk(c0, C, T_len, R, P)
        G = g[c0:c0 + n].cumsum(0)
        Gx = G - g[c0:c0 + n]
        to_end = (G[-1] - G).exp()
        A, B = a[c0:c0 + n].reshape(n * R, K), b[c0:c0 + n].reshape(n * R, K)
        Kc, Vc = k[c0:c0 + n].reshape(n * P, K), v[c0:c0 + n].reshape(n * P, v.shape[-1])
        W, Tm, N, u, Sc = saved[ci]
        DM, DN = _pair_decays(Gx, G, tR, tR, True), _pair_decays(Gx, G, tR, tP, True)
        du = (to_end[tR] * B) @ dS
        dB, dK = to_end[tR] * (u @ dS.T), to_end[tP] * (Vc @ dS.T)
        dV = (to_end[tP] * Kc) @ dS
        dS_c = G[-1].exp()[:, None] * dS
        for r, timing in enumerate(timings):
            E = G if timing == "after" else Gx
            X, dOc = x[r, c0:c0 + n], dO[r, c0:c0 + n]
            Db = _pair_decays(E, G, tok, tR, timing == "before")
            Dk = _pair_decays(E, G, tok, tP, timing == "before")
            du = du + _scores(X, B, Db).T @ dOc
            dV = dV + _scores(X, Kc, Dk).T @ dOc
            dS_c = dS_c + (E.exp() * X).T @ dOc
            dxb, dbr = _dscores(dOc @ u.T, X, B, Db)
            dxk, dkr = _dscores(dOc @ Vc.T, X, Kc, Dk)
            grads["x"][r, c0:c0 + n] = E.exp() * (dOc @ Sc.T) + dxb + dxk
            dB, dK = dB + dbr, dK + dkr
        dW = du @ Sc.T
        dT = dW @ (Gx.exp()[tR] * A).T + du @ (N @ Vc).T
        dM = torch.tril(Tm.T @ dT @ Tm.T, -1)
        dN = (Tm.T @ du) @ Vc.T
        daM, dbM = _dscores(dM, A, B, DM)
        daN, dkN = _dscores(dN, A, Kc, DN)
        dV = dV + N.T @ (Tm.T @ du)
        grads["a"][c0:c0 + n] = (Gx.exp()[tR] * (Tm.T @ dW) + daM + daN).reshape(n, R, K)
        grads["b"][c0:c0 + n] = (dB + dbM).reshape(n, R, K)
        grads["k"][c0:c0 + n] = (dK + dkN).reshape(n, P, K)
        grads["v"][c0:c0 + n] = dV.reshape(n, P, v.shape[-1])
        dS = dS_c + W.T @ du
        grads.setdefault("du", {})[ci] = du
    grads["S0"] = dS
    dG = -(k * grads["k"]).sum(1) - (b * grads["b"]).sum(1)
    dG[:-1] += (a * grads["a"]).sum(1)[1:]
    for r, timing in enumerate(timings):
        term = x[r] * grads["x"][r]
        if timing == "after":
            dG += term
        else:
            dG[:-1] += term[1:]
    dG[-1] += (dST * ST).sum(-1)
    grads["g"] = dG.flip(0).cumsum(0).flip(0)
    return grads


def pass_inputs(x, k, v, a, b, g, dO, saved, timings, C):
    """The adjoint pass's per-chunk inputs, as triton_engine.chunk_adjoint_pass_triton takes them (one sequence,
    whole chunks): Bt = e^{G_C - G} b and W [1, NC, C R, K], D0 = sum_reads P_b^T dO [1, NC, C R, V], the readers
    e^E x and their cotangents, the reads one after the other [1, NC, reads C, K | V], and gamma = e^{G_C}
    [1, NC, K]."""
    T_len, R, K = a.shape
    P = k.shape[1]
    parts = {name: [] for name in ("Bt", "W", "D0", "Xt", "dO", "gamma")}
    for ci, c0 in enumerate(range(0, T_len, C)):
        n, tok, tR, tP = _chunk(c0, C, T_len, R, P)
        G = g[c0:c0 + n].cumsum(0)
        Gx = G - g[c0:c0 + n]
        B = b[c0:c0 + n].reshape(n * R, K)
        D0 = 0
        xts, dos = [], []
        for r, timing in enumerate(timings):
            E = G if timing == "after" else Gx
            X, dOc = x[r, c0:c0 + n], dO[r, c0:c0 + n]
            D0 = D0 + _scores(X, B, _pair_decays(E, G, tok, tR, timing == "before")).T @ dOc
            xts.append(E.exp() * X)
            dos.append(dOc)
        parts["Bt"].append((G[-1] - G).exp()[tR] * B)
        parts["W"].append(saved[ci][0])
        parts["D0"].append(D0)
        parts["Xt"].append(torch.cat(xts))
        parts["dO"].append(torch.cat(dos))
        parts["gamma"].append(G[-1].exp())
    return {name: torch.stack(v)[None] for name, v in parts.items()}


def problem(gate, R, P, timings, T_len=29, K=5, V=4, seed=0):
    """Random inputs of one sequence, the token recurrence's outputs and final state, cotangents and autograd's
    gradients: (inputs (x, k, v, a, b, g expanded to K, S0), dO, dST, o, ST, {name: gradient})."""
    gen = torch.Generator().manual_seed(seed)
    f = lambda *s: torch.randn(*s, generator=gen, dtype=torch.float64)  # noqa: E731
    x, k, v = f(len(timings), T_len, K), f(T_len, P, K), f(T_len, P, V)
    a = torch.nn.functional.normalize(f(T_len, R, K), dim=-1) / R
    b = -0.5 * a + 0.1 * f(T_len, R, K)  # near the delta rule's factors, not equal to them
    g = -torch.rand(T_len, K if gate == "vector" else 1, generator=gen, dtype=torch.float64) * 0.5
    g = torch.zeros_like(g) if gate == "none" else g
    S0 = f(K, V)
    leaves = [t.clone().requires_grad_(True) for t in (x, k, v, a, b, g, S0)]
    o, ST = naive(*leaves[:5], leaves[5].expand(T_len, K), leaves[6], timings)
    dO, dST = f(*o.shape), f(K, V)
    want = dict(zip(("x", "k", "v", "a", "b", "g", "S0"),
                    torch.autograd.grad((o * dO).sum() + (ST * dST).sum(), leaves)))
    return (x, k, v, a, b, g.expand(T_len, K), S0), dO, dST, o.detach(), ST.detach(), want


def check(gate, R, P, timings, C=8, T_len=29, K=5, V=4, seed=0):
    """The largest error of any gradient (relative to its largest entry) against autograd; gate: none, scalar or
    vector."""
    (x, k, v, a, b, ge, S0), dO, dST, o, ST, want = problem(gate, R, P, timings, T_len, K, V, seed)
    oc, STc, saved = chunk_forward(x, k, v, a, b, ge, S0, timings, C)
    errs = {"o": float((oc - o).abs().max() / o.abs().max())}
    got = chunk_backward(x, k, v, a, b, ge, dO, dST, STc, saved, timings, C)
    if gate != "vector":
        got["g"] = got["g"].sum(-1, keepdim=True)
    for name, w in want.items():
        if (name == "g" and gate == "none") or w.numel() == 0:
            continue
        errs["d" + name] = float((got[name] - w).abs().max() / w.abs().max())
    return errs


def main():
    worst = 0.0
    for gate, (R, P), timings in itertools.product(("none", "scalar", "vector"), ((1, 1), (2, 0), (1, 2)),
                                                   (("after",), ("after", "before"))):
        errs = check(gate, R, P, timings)
        name, err = max(errs.items(), key=lambda kv: kv[1])
        worst = max(worst, err)
        print(f"gate {gate:6s} R={R} P={P} reads {'+'.join(timings):12s} worst {name} {err:.1e}")
    assert worst < 1e-10, worst
    print("the chunk-level adjoint equals autograd through the token recurrence")


if __name__ == "__main__":
    main()
