"""The chunkwise engine for the canonical recurrence, in PyTorch (torch-only; inlined into generated modules).

    S_t = (diag(exp(gk_t)) + sum_j b_tj a_tj^T) S_{t-1} diag(exp(gv_t)) + sum_i k_ti v_ti^T

Within a chunk every quantity is written against the chunk-start state S_c:
  u_tj = a_tj^T S_{t-1} E_t  (the "pseudo-values" of the rank-one factors) solve a strictly lower block-
  triangular system  u = W S_c + U0  with  T = (I - M)^{-1}  (the UT / WY representation), where
  M[(t,j),(s,j')] = sum_d a_tj[d] b_sj'[d] exp(Gk_{t-1}[d] - Gk_s[d]) for s < t;
  the state pass is  S_{c+1} = diag(e^{Gk_C}) S_c diag(e^{Gv_C}) + sum_rows (e^{Gk_C - Gk_s} b_s)(e^{Gv_C - Gv_s} u_s)^T
  + (the same for the inputs k v^T); reads combine the chunk-start term with intra-chunk pair weights.
Only exponentials of non-positive differences of cumulative log-gates are formed (masked pairs get -inf
before exp). With a value-side gate and rank-one factors the system differs per value column and is
solved column by column.

Reads: ("k", timing, x) returns S^T x (x over the key dim, out over V); ("v", timing, y) returns S y.
timing "after" reads S_t, "before" reads S_{t-1}.
"""
import torch


def _pad_time(x, T_pad):
    if x is None or x.shape[1] == T_pad:
        return x
    pad = [0, 0] * (x.dim() - 2) + [0, T_pad - x.shape[1]]
    return torch.nn.functional.pad(x, pad)


def _chunked(x, C):
    if x is None:
        return None
    N, Tp = x.shape[:2]
    return x.reshape((N, Tp // C, C) + tuple(x.shape[2:]))


def _rows(x):
    """[N, NC, C, R, D] -> [N, NC, C*R, D] (time-major rows)."""
    if x is None:
        return None
    return x.reshape(x.shape[:2] + (x.shape[2] * x.shape[3],) + tuple(x.shape[4:]))


def _rep(G, R):
    """Repeat per-token cumulative gates for R rows per token."""
    if G is None:
        return None
    return G.repeat_interleave(R, dim=2)


def _mask(tx, ty, strict, device):
    tx = torch.as_tensor(tx, device=device)
    ty = torch.as_tensor(ty, device=device)
    return (tx[:, None] > ty[None, :]) if strict else (tx[:, None] >= ty[None, :])


def _exp(G, dtype):
    """exp of (float64) cumulative log gates, in the working dtype."""
    return G.exp().to(dtype)


def _pair_decay(Gx, Gy, mask, dtype):
    """exp(Gx_i - Gy_j) where mask, 0 elsewhere; [.., Lx, Ly] (scalar gates) or [.., Lx, Ly, D]."""
    if Gx.dim() == 3:
        d = Gx[:, :, :, None] - Gy[:, :, None, :]
        return _exp(d.masked_fill(~mask, float("-inf")), dtype)
    d = Gx[:, :, :, None, :] - Gy[:, :, None, :, :]
    return _exp(d.masked_fill(~mask[:, :, None], float("-inf")), dtype)


def coef(x, Gx, y, Gy, mask):
    """c_ij = sum_d x_i[d] y_j[d] exp(Gx_i[d] - Gy_j[d]) for masked pairs (Gx, Gy None: no gate)."""
    if Gx is None:
        return (x @ y.transpose(-1, -2)) * mask
    if Gx.dim() == 3:
        return (x @ y.transpose(-1, -2)) * _pair_decay(Gx, Gy, mask, x.dtype)
    return torch.einsum("ncld,ncmd,ncmld->nclm", x, y, _pair_decay(Gx, Gy, mask, x.dtype).transpose(2, 3))


def apply(c, w, Gx, Gy, mask):
    """out_i = sum_j c_ij exp(Gx_i - Gy_j) w_j (elementwise over w's last dim when gates are vectors)."""
    if Gx is None:
        return c @ w
    if Gx.dim() == 3:
        return (c * _pair_decay(Gx, Gy, mask, w.dtype)) @ w
    return torch.einsum("nclm,nclmd,ncmd->ncld", c, _pair_decay(Gx, Gy, mask, w.dtype), w)


def _scale(x, G):
    """x * exp(G) with G a cumulative log gate (scalar per row or vector)."""
    if G is None:
        return x
    if G.dim() == x.dim() - 1:
        return x * _exp(G, x.dtype)[..., None]
    return x * _exp(G, x.dtype)


def _cumsum(g, C):
    """Within-chunk cumulative log gates (inclusive, exclusive), kept in float64: pair decays are
    exp(G_i - G_j), and with strong gates |G| reaches 1e2..1e3 within a chunk, where float32 rounding of G
    alone (ulp ~1e-5..1e-4) would become the relative error of every decay (and more on gate gradients).
    Every exp is cast back to the working dtype (_exp)."""
    if g is None:
        return None, None
    g = g.double()
    G = g.cumsum(2)
    return G, G - g


def chunk_scan(gk, gv, b, a, k, v, S0, reads, chunk=64, K=None, V=None, precision=None, return_states=False):
    """Run the canonical recurrence chunkwise. Shapes: gk None|[N,T]|[N,T,K]; gv None|[N,T,V];
    b, a None|[N,T,R,K]; k [N,T,P,K] and v [N,T,P,V] (P may be 0); S0 None|[N,K,V].
    Returns (outs, S_T, u) with u [N,T,R,V] the pseudo-values (None when R = 0); with return_states, also the
    chunk-start states [N, NC, K, V] and the chunk size."""
    ref = k if k is not None else b
    N, T = ref.shape[:2]
    K = K or ref.shape[-1]
    V = V or v.shape[-1]
    dev, dt = ref.device, ref.dtype
    C = chunk
    NC = max(1, -(-T // C))
    Tp = NC * C
    R = b.shape[2] if b is not None else 0
    P = k.shape[2] if k is not None else 0
    gk, gv, b, a, k, v = (_chunked(_pad_time(x, Tp), C) for x in (gk, gv, b, a, k, v))
    Gk, Gk_ex = _cumsum(gk, C)
    Gv, Gv_ex = _cumsum(gv, C)
    tok = torch.arange(C, device=dev)
    Gk_last = Gk[:, :, -1] if Gk is not None else None
    Gv_last = Gv[:, :, -1] if Gv is not None else None

    # rows of the rank-one factors (b, a, u) and of the inputs (k, v), time-major
    tR = tok.repeat_interleave(R) if R else None
    tP = tok.repeat_interleave(P) if P else None
    bR, aR = _rows(b), _rows(a)
    kP, vP = _rows(k), _rows(v)
    GkR, GkR_ex, GvR = _rep(Gk, R), _rep(Gk_ex, R), _rep(Gv, R)
    GkP, GvP = _rep(Gk, P), _rep(Gv, P)

    def dec_to_end(G, Gr):
        if G is None:
            return None
        last = G[:, :, -1:]
        return last - Gr

    # local state of the inputs within each chunk (from a zero state)
    H_loc = None
    if P:
        kk = _scale(kP, dec_to_end(Gk, GkP))
        vv = _scale(vP, dec_to_end(Gv, GvP))
        H_loc = kk.transpose(-1, -2) @ vv  # [N, NC, K, V]

    # the UT / WY system for the pseudo-values
    W = U0 = b_end = uv_end = None
    if R:
        mRR = _mask(tR, tR, True, dev)
        mRP = _mask(tR, tP, True, dev) if P else None
        M = coef(aR, GkR_ex, bR, GkR, mRR)  # [N, NC, L, L]
        W0 = _scale(aR, GkR_ex)  # [N, NC, L, K]
        Nin = coef(aR, GkR_ex, kP, GkP, mRP) if P else None
        L = C * R
        eye = torch.eye(L, device=dev, dtype=dt)
        if Gv is None:
            Tm = torch.linalg.solve_triangular(eye - M, eye.expand_as(M), upper=False, unitriangular=True)
            W = Tm @ W0
            U0 = Tm @ (Nin @ vP) if P else torch.zeros(N, NC, L, V, device=dev, dtype=dt)
        else:
            # per value column: M_v = M * exp(Gv_i - Gv_j)
            Mv = M[..., None] * _pair_decay(GvR, GvR, mRR, dt)  # [N, NC, L, L, V]
            Av = (eye[..., None] - Mv).permute(0, 1, 4, 2, 3)  # [N, NC, V, L, L]
            rhs_w = (W0[:, :, None] * _exp(GvR, dt).transpose(-1, -2)[..., None])  # [N, NC, V, L, K]
            W = torch.linalg.solve_triangular(Av, rhs_w, upper=False, unitriangular=True)  # [N, NC, V, L, K]
            if P:
                rhs_u = apply(Nin, vP, GvR, GvP, mRP)  # [N, NC, L, V]
                U0 = torch.linalg.solve_triangular(Av, rhs_u.transpose(-1, -2)[..., None], upper=False,
                                                   unitriangular=True)[..., 0].transpose(-1, -2)
            else:
                U0 = torch.zeros(N, NC, L, V, device=dev, dtype=dt)
        b_end = _scale(bR, dec_to_end(Gk, GkR))  # [N, NC, L, K]
        uv_end = dec_to_end(Gv, GvR)  # [N, NC, L, V] or None

    # sequential state pass over chunks
    S = S0.to(dt) if S0 is not None else torch.zeros(N, K, V, device=dev, dtype=dt)
    S_starts, us = [], []
    for c in range(NC):
        S_starts.append(S)
        Sn = S
        if Gk_last is not None:
            Sn = Sn * (_exp(Gk_last[:, c], dt)[:, None, None] if Gk_last.dim() == 2 else _exp(Gk_last[:, c], dt)[:, :, None])
        if Gv_last is not None:
            Sn = Sn * _exp(Gv_last[:, c], dt)[:, None, :]
        if R:
            if Gv is None:
                u = W[:, c] @ S + U0[:, c]
            else:
                u = torch.einsum("nvlk,nkv->nlv", W[:, c], S) + U0[:, c]
            us.append(u)
            uu = u * _exp(uv_end[:, c], dt) if uv_end is not None else u
            Sn = Sn + b_end[:, c].transpose(-1, -2) @ uu
        if P:
            Sn = Sn + H_loc[:, c]
        S = Sn
    Sc = torch.stack(S_starts, 1)  # [N, NC, K, V]
    u = torch.stack(us, 1) if R else None  # [N, NC, L, V]

    outs = []
    for side, timing, x in reads:
        x = _chunked(_pad_time(x, Tp), C)
        before = timing == "before"
        Gkx = Gk_ex if before else Gk
        Gvx = Gv_ex if before else Gv
        if side == "k":
            out = _scale(torch.einsum("nckv,nctk->nctv", Sc, _scale(x, Gkx)), Gvx)
            if R:
                m = _mask(tok, tR, before, dev)
                out = out + apply(coef(x, Gkx, bR, GkR, m), u, Gvx, GvR, m)
            if P:
                m = _mask(tok, tP, before, dev)
                out = out + apply(coef(x, Gkx, kP, GkP, m), vP, Gvx, GvP, m)
        else:
            out = _scale(torch.einsum("nckv,nctv->nctk", Sc, _scale(x, Gvx)), Gkx)
            if R:
                m = _mask(tok, tR, before, dev)
                out = out + apply(coef(x, Gvx, u, GvR, m), bR, Gkx, GkR, m)
            if P:
                m = _mask(tok, tP, before, dev)
                out = out + apply(coef(x, Gvx, vP, GvP, m), kP, Gkx, GkP, m)
        outs.append(out.reshape((N, Tp) + tuple(out.shape[3:]))[:, :T])
    if R:
        u = u.reshape(N, NC, C, R, V).reshape(N, Tp, R, V)[:, :T]
    if return_states:
        return outs, S, u, Sc, C
    return outs, S, u


def shift_next(x):
    """x_{t+1} at position t (zero past the end)."""
    if x is None:
        return None
    return torch.cat([x[:, 1:], torch.zeros_like(x[:, :1])], 1)


def shift_prev(x):
    """x_{t-1} at position t (zero at t = 0)."""
    if x is None:
        return None
    return torch.cat([torch.zeros_like(x[:, :1]), x[:, :-1]], 1)


def flip(x):
    return None if x is None else x.flip(1)


def pad_time(x, Tp):
    """Zero-pad along time (dim 1) to Tp steps: zero log-gates and vectors are identity steps."""
    return _pad_time(x, Tp)


def chunk_boundary_sums(h_adj, h_fwd, wk=None, wv=None, rows=True, cols=False):
    """At the chunk boundaries j = 1 .. NC-1: E_j = dS_j * S_j elementwise, with dS_j the adjoint state there
    (h_adj[:, NC - j]: the adjoint scan runs backwards) and S_j the forward chunk-start state (h_fwd[:, j]).
    Returns (rowsum(E_j diag(wv_j)) [N, NC-1, K] if rows, colsum(diag(wk_j) E_j) [N, NC-1, V] if cols), wk/wv
    optional [N, NC-1, K] / [N, NC-1, V] weights: the gate gradients' boundary terms."""
    E = h_adj[:, 1:].flip(1) * h_fwd[:, 1:]
    r = (E if wv is None else E * wv[:, :, None, :]).sum(-1) if rows else None
    c = (E if wk is None else E * wk[:, :, :, None]).sum(-2) if cols else None
    return r, c


def local_rev_cumsum(x, C):
    """sum over s >= t within t's chunk of C steps (time padded to a multiple of C)."""
    N, Tp = x.shape[:2]
    y = x.reshape((N, Tp // C, C) + tuple(x.shape[2:]))
    return y.flip(2).cumsum(2).flip(2).reshape(x.shape)


def recurrent_scan(gk, gv, b, a, k, v, S0, reads, K=None, V=None):
    """The canonical recurrence token by token (the fused-recurrent form, for decoding and short inputs).
    Same arguments and results as chunk_scan, without u."""
    ref = k if k is not None else b
    N, T = ref.shape[:2]
    K = K or ref.shape[-1]
    V = V or v.shape[-1]
    S = S0.to(ref.dtype) if S0 is not None else torch.zeros(N, K, V, device=ref.device, dtype=ref.dtype)
    outs = [[] for _ in reads]
    for t in range(T):
        prev = S
        S = prev
        if gk is not None:
            S = S * (gk[:, t].exp()[:, None, None] if gk.dim() == 2 else gk[:, t].exp()[:, :, None])
        if b is not None:
            S = S + torch.einsum("nrk,nrv->nkv", b[:, t], torch.einsum("nrk,nkv->nrv", a[:, t], prev))
        if gv is not None:
            S = S * gv[:, t].exp()[:, None, :]
        if k is not None and k.shape[2]:
            S = S + torch.einsum("npk,npv->nkv", k[:, t], v[:, t])
        for i, (side, timing, x) in enumerate(reads):
            St = S if timing == "after" else prev
            outs[i].append(torch.einsum("nkv,nk->nv", St, x[:, t]) if side == "k" else
                           torch.einsum("nkv,nv->nk", St, x[:, t]))
    return [torch.stack(o, 1) for o in outs], S, None


def transition_product(gk, gv, b, a, chunk=64):
    """The product of a sequence's transitions in compact form, for sequence-parallel shard summaries.

    For S_t = (diag(exp(gk_t)) + sum_j b_tj a_tj^T) S_{t-1} diag(exp(gv_t)) + (inputs), the map from the state
    before the first token to the state after the last is S -> L S R + B (left and right factors commute), with
        L = prod_t (diag(exp(gk_t)) + sum_j b_tj a_tj^T)   (later tokens on the left),   R = diag(exp(sum_t gv_t)).
    Returns (L, R): L None (identity), [N] (scalar gate), [N, K] (key-vector gate) or [N, K, K] (rank-one factors:
    dense); R None or [N, V]. Shapes of the arguments as in chunk_scan; the working dtype is that of the arguments
    (gate sums in float64). Dense products are chunkwise: per chunk the WY form
        L_c = diag(exp(G_C)) + sum_s (exp(G_C - G_s) b_s) w_s^T,   w = (I - M)^{-1} (exp(G_(s-1)) a_s)
    (the chunk engine's UT system without inputs), then a balanced product tree over the chunks."""
    R_ = None if gv is None else _exp(gv.double().sum(1), gv.dtype)
    if b is None:
        L = None if gk is None else _exp(gk.double().sum(1), gk.dtype)
        return L, R_
    N, T, Rr, K = b.shape
    dev, dt = b.device, b.dtype
    C = chunk
    NC = max(1, -(-T // C))
    Tp = NC * C
    gk_c, b_c, a_c = (_chunked(_pad_time(x, Tp), C) for x in (gk, b, a))
    Gk, Gk_ex = _cumsum(gk_c, C)
    tR = torch.arange(C, device=dev).repeat_interleave(Rr)
    bR, aR = _rows(b_c), _rows(a_c)
    GkR, GkR_ex = _rep(Gk, Rr), _rep(Gk_ex, Rr)
    M = coef(aR, GkR_ex, bR, GkR, _mask(tR, tR, True, dev))  # [N, NC, L, L]
    eye = torch.eye(C * Rr, device=dev, dtype=dt)
    W = torch.linalg.solve_triangular(eye - M, _scale(aR, GkR_ex), upper=False, unitriangular=True)  # [N, NC, L, K]
    b_end = _scale(bR, None if Gk is None else Gk[:, :, -1:] - GkR)  # [N, NC, L, K]
    Lc = b_end.transpose(-1, -2) @ W  # [N, NC, K, K]
    if Gk is None:
        Lc = Lc + torch.eye(K, device=dev, dtype=dt)
    elif Gk.dim() == 3:
        Lc = Lc + _exp(Gk[:, :, -1], dt)[..., None, None] * torch.eye(K, device=dev, dtype=dt)
    else:
        Lc = Lc + torch.diag_embed(_exp(Gk[:, :, -1], dt))
    while Lc.shape[1] > 1:  # balanced tree: later chunks on the left
        if Lc.shape[1] % 2:
            Lc = torch.cat([Lc, torch.eye(K, device=dev, dtype=dt).expand(N, 1, K, K)], 1)
        Lc = Lc[:, 1::2] @ Lc[:, 0::2]
    return Lc[:, 0], R_


def _dcoef(dc, x, Gx, y, Gy, mask):
    """The gradients (dx, dy) of coef(x, Gx, y, Gy, mask) given dc."""
    if Gx is None:
        dc = dc * mask
        return dc @ y, dc.transpose(-1, -2) @ x
    mT = mask.transpose(-1, -2)
    return apply(dc, y, Gx, Gy, mask), apply(dc.transpose(-1, -2), x, -Gy, -Gx, mT)


def chunk_adjoint(gk, b, a, k, v, reads, dO, dST, states, u, ST=None, chunk=64, pass_fn=None):
    """The chunk-level adjoint of the rank-one recurrence without a value gate: reverse mode through the forward's
    chunk map, reusing its WY system (NOTES v39-v42): the ops' backward where the generated module's
    _chunk_adjoint_on says (LINDSL_TUNE_CHUNK_ADJOINT forces it) and the reference for its phases' kernels. Per
    chunk (S_c its start state; G, G- the gates' sums within the chunk, inclusive and exclusive; scores(x, y; E) the
    pair products x_t . y_s e^{E_t - G_s} the mask keeps):
        M = scores(a, b; G-, s < t), N = scores(a, k; G-, s < t), T = (I - M)^-1, W = T (e^{G-} a), U = T N V,
        u = W S_c + U,  S_(c+1) = e^{G_C} S_c + (e^{G_C - G} b)^T u + (e^{G_C - G} k)^T V,
        o = (e^E x) S_c + P_b u + P_k V,  P_b = scores(x, b; E), P_k = scores(x, k; E)  (after: E = G, s <= t;
        before: E = G-, s < t).
    Backward, the chunks last to first (no recursion inside a chunk: the WY solve resolved it):
        du = (e^{G_C - G} b) dS_(c+1) + sum_reads P_b^T dO,  dS_c = e^{G_C} dS_(c+1) + sum_reads (e^E x)^T dO + W^T du,
        dW = du S_c^T, dT = dW (e^{G-} a)^T + du (N V)^T, dM = T^T dT T^T, dN = (T^T du) V^T,
    then every input's gradient by the product rule through the scores (_dcoef), and the key gate's by the gauge sums
    within each chunk plus the exact derivative at each next chunk's first token.
    Shapes as chunk_scan's (rows [N, T, ...]); reads [(timing, x [N, T, K])] of the key side, dO their cotangents
    [N, T, V], dST [N, K, V]; states the forward's chunk-start states [N, NC, K, V] and u its pseudo-values
    [N, T, R, V] (chunk_scan(..., return_states=True) in chunks of chunk), ST its final state (for the gate gradient).
    pass_fn(b, W, D0, x, dO, G, Gex, before_mask, dST): the adjoint pass on a device (a wrapper of
    triton_engine.chunk_adjoint_pass_triton; rows [N, Tp, ...] padded to whole chunks), a loop here by default.
    Returns {"dx": [per read], "dk", "dv", "db", "da", "dS0", "dgk" (None without a key gate), "hend": the cotangent
    of each chunk's end state [N, NC, K, V]}. triton_engine.chunk_adjoint_triton computes the same with every phase
    a kernel (no or a scalar key gate, reads after the update)."""
    N, T, R, K = b.shape
    P = k.shape[2] if k is not None else 0
    V = dST.shape[-1]
    C = chunk
    NC = max(1, -(-T // C))
    Tp = NC * C
    dt, dev = b.dtype, b.device
    ch = lambda x: _chunked(_pad_time(x, Tp), C)  # noqa: E731
    A, B, U = _rows(ch(a)), _rows(ch(b)), _rows(ch(u)).to(dt)
    Kc = _rows(ch(k)) if P else torch.zeros(N, NC, 0, K, dtype=dt, device=dev)
    Vc = _rows(ch(v)) if P else torch.zeros(N, NC, 0, V, dtype=dt, device=dev)
    G, Gx = _cumsum(ch(gk), C)
    tok = torch.arange(C, device=dev)
    tR, tP = tok.repeat_interleave(R), tok.repeat_interleave(P)
    GR, GxR, GP = _rep(G, R), _rep(Gx, R), _rep(G, P)
    L = C * R
    M = coef(A, GxR, B, GR, _mask(tR, tR, True, dev))
    Nin = coef(A, GxR, Kc, GP, _mask(tR, tP, True, dev))
    eye = torch.eye(L, dtype=dt, device=dev)
    Tm = torch.linalg.solve_triangular(eye - M, eye.expand(N, NC, L, L), upper=False, unitriangular=True)
    W = Tm @ _scale(A, GxR)
    G_end = G[:, :, -1:] if G is not None else None  # the chunk's total log gate
    to_end = lambda x, Gs: x if G is None else _scale(x, G_end - Gs)  # noqa: E731
    X = [ch(x) for _, x in reads]
    dOc = [ch(d).to(dt) for d in dO]
    Ex = [(G if timing == "after" else Gx) for timing, _ in reads]
    masks_b = [_mask(tok, tR, timing == "before", dev) for timing, _ in reads]
    masks_k = [_mask(tok, tP, timing == "before", dev) for timing, _ in reads]
    Pb = [coef(x, e, B, GR, m) for x, e, m in zip(X, Ex, masks_b)]
    Pk = [coef(x, e, Kc, GP, m) for x, e, m in zip(X, Ex, masks_k)]
    D0 = sum(p.transpose(-1, -2) @ d for p, d in zip(Pb, dOc))
    if pass_fn is not None:
        # the raw rows (the kernel decays them): [N, Tp, F, D], the gate sums [N, Tp(, K)]
        flat = lambda x: None if x is None else x.reshape((N, Tp) + tuple(x.shape[3:]))  # noqa: E731
        hend, du, dS0 = pass_fn(B.reshape(N, Tp, R, K), W, D0.reshape(N, Tp, R, V),
                                torch.stack([x.reshape(N, Tp, K) for x in X], 2),
                                torch.stack([d.reshape(N, Tp, V) for d in dOc], 2), flat(G), flat(Gx),
                                sum(1 << i for i, (timing, _) in enumerate(reads) if timing == "before"), dST)
        hend, du, dS0 = hend.to(dt), du.to(dt), dS0.to(dt)
    else:
        Bt = to_end(B, GR)
        Xt = torch.cat([_scale(x, e) for x, e in zip(X, Ex)], 2)
        dOt = torch.cat(dOc, 2)
        gamma = None if G is None else _exp(G_end[..., 0] if G.dim() == 3 else G_end[:, :, 0], dt)
        hend, du = torch.empty(N, NC, K, V, dtype=dt, device=dev), torch.empty(N, NC, L, V, dtype=dt, device=dev)
        dS = dST.to(dt)
        for c in range(NC - 1, -1, -1):
            hend[:, c] = dS
            du[:, c] = Bt[:, c] @ dS + D0[:, c]
            decay = 1.0 if gamma is None else (gamma[:, c, None, None] if gamma.dim() == 2 else gamma[:, c, :, None])
            dS = decay * dS + Xt[:, c].transpose(-1, -2) @ dOt[:, c] + W[:, c].transpose(-1, -2) @ du[:, c]
        dS0 = dS
    Sc = states.to(dt)
    dW = du @ Sc.transpose(-1, -2)
    dT = dW @ _scale(A, GxR).transpose(-1, -2) + du @ (Nin @ Vc).transpose(-1, -2)
    TdT = Tm.transpose(-1, -2)
    dM = TdT @ dT @ TdT
    Tdu = TdT @ du
    dN = Tdu @ Vc.transpose(-1, -2)
    daM, dbM = _dcoef(dM, A, GxR, B, GR, _mask(tR, tR, True, dev))
    daN, dkN = _dcoef(dN, A, GxR, Kc, GP, _mask(tR, tP, True, dev))
    dB = to_end(U @ hend.transpose(-1, -2), GR) + dbM
    dKc = to_end(Vc @ hend.transpose(-1, -2), GP) + dkN
    dVc = to_end(Kc, GP) @ hend + Nin.transpose(-1, -2) @ Tdu
    dA = _scale(TdT @ dW, GxR) + daM + daN
    dx = []
    for x, e, d, pb, pk, mb, mk in zip(X, Ex, dOc, Pb, Pk, masks_b, masks_k):
        dxb, dbr = _dcoef(d @ U.transpose(-1, -2), x, e, B, GR, mb)
        dxk, dkr = _dcoef(d @ Vc.transpose(-1, -2), x, e, Kc, GP, mk)
        dx.append(_scale(d @ Sc.transpose(-1, -2), e) + dxb + dxk)
        dB, dKc = dB + dbr, dKc + dkr
        dVc = dVc + pk.transpose(-1, -2) @ d

    def unrows(x, F, D):
        return x.reshape(N, NC, C, F, D).reshape(N, Tp, F, D)[:, :T]
    out = dict(dx=[x.reshape(N, Tp, K)[:, :T] for x in dx], db=unrows(dB, R, K), da=unrows(dA, R, K),
               dk=unrows(dKc, P, K) if P else None, dv=unrows(dVc, P, V) if P else None, dS0=dS0, hend=hend,
               dgk=None)
    if gk is not None:
        # the key gate's gradient dg_t = sum_(s >= t) dG_s of the gauge terms, summed within t's chunk, plus the
        # next chunk's first token t''s exact derivative <dS_t', D_t' S_(t'-1)>, from the chunk-level quantities
        # (no long cancelling sums: the default backward's split): dS_(t'-1) as the next chunks see it (hend) is
        # D_t' dS_t' + a_t' du_t'^T + (reads before the update at t') x dO^T, with du_t' = b_t'^T dS_t' the
        # pseudo-value's whole cotangent, which is (T^T du)_t' (du: the chunk map's, u = W S_c + U)
        dG = -(b * out["db"]).sum(2) - ((k * out["dk"]).sum(2) if P else 0)
        dG[:, :-1] += (a * out["da"]).sum(2)[:, 1:]
        for (timing, x), d in zip(reads, out["dx"]):
            if timing == "after":
                dG += x * d
            else:
                dG[:, :-1] += (x * d)[:, 1:]
        dG[:, -1] += (dST * ST).sum(-1)
        local = ch(dG).flip(2).cumsum(2).flip(2)
        if NC > 1:
            S_start = Sc[:, 1:]
            bnd = (hend[:, :-1] * S_start).sum(-1)
            bnd -= (A[:, 1:, :R] * (S_start @ Tdu[:, 1:, :R].transpose(-1, -2)).transpose(-1, -2)).sum(2)
            for (timing, _), x, d in zip(reads, X, dOc):
                if timing == "before":
                    bnd -= x[:, 1:, 0] * (S_start @ d[:, 1:, 0, :, None])[..., 0]
            local = torch.cat([local[:, :-1] + bnd[:, :, None], local[:, -1:]], 1)
        dgk = local.reshape(N, Tp, K)[:, :T]
        out["dgk"] = dgk.sum(-1) if gk.dim() == 2 else dgk
    return out
