"""Triton kernels of the LASP-2 corrections (lindsl.sp.runtime): the carried state's share of each read, the
read's vector-Jacobian products, and the gradient of <mu, S_T> (the terms linear in the carried cotangent).

Tokens are cut into tiles of BT; every program takes one tile of one row n (B x H). A cumulative log-gate is the
in-tile cumulative sum plus the tile's offset (the sum over the earlier, or later, tiles: small [N, NT, D] tensors
from the tile sums, lindsl.sp.runtime._cums / _rcums), so no pass over time is serial. Exclusive sums of gates are
summed from the gates shifted by one token (no subtraction: exact for large negative gates), so every exponent is a
sum of log-gates. Gradient sums over time are written as in-tile cumulative sums plus tile totals; a last pass adds
the totals' cumulative sums (_add_tile_offsets_kernel). Products: fp32 accumulation, "tf32x3" (fp32-accurate)
operands. Runs on CUDA and under TRITON_INTERPRET=1.
"""
import os

import torch
import triton
import triton.language as tl

from ..runtime.triton_engine import _cdiv, _dummy, _launched, _p2
from .runtime import _cums, _rcums

PREC = "tf32x3"  # fp32-accurate products on tensor cores (three tf32 products)
TILE = 64  # tokens per tile (the in-tile cumulative sums' length)
MIN_PROGRAMS = 528  # the dS kernel splits time so that it launches about this many programs (4 per H200 SM)


@triton.jit
def _gates(g_ptr, off_ptr, n, tile, rows, t, T, NT, dd, d_ok, D: tl.constexpr, MODE: tl.constexpr,
           REVERSE: tl.constexpr, EXCLUSIVE: tl.constexpr, BT: tl.constexpr):
    """Cumulative log-gates of one tile's tokens t (rows: their in-tile index): sum_(s<=t) (or s<t) g_s from the
    start, or sum_(s>=t) (or s>t) from the end when REVERSE. [BT, BD] for a vector gate (MODE 2, [N, T, D]),
    [BT, 1] for a scalar one (MODE 1, [N, T]). off: [N, NT, D] (or [N, NT]) sums over the other tiles."""
    if EXCLUSIVE:
        src = t + 1 if REVERSE else t - 1
        ok = (src < T) & (rows < BT - 1) if REVERSE else (src < T) & (rows > 0)
    else:
        src = t
        ok = t < T
    if MODE == 2:
        g = tl.load(g_ptr + n * T * D + src[:, None] * D + dd[None, :], mask=ok[:, None] & d_ok[None, :],
                    other=0.).to(tl.float32)
        off = tl.load(off_ptr + (n * NT + tile) * D + dd, mask=d_ok, other=0.)
        return tl.cumsum(g, 0, reverse=REVERSE) + off[None, :]
    else:
        g = tl.load(g_ptr + n * T + src, mask=ok, other=0.).to(tl.float32)
        off = tl.load(off_ptr + n * NT + tile)
        return (tl.cumsum(g, 0, reverse=REVERSE) + off)[:, None]


@triton.jit
def _store_tile_sums(loc_ptr, tot_ptr, x, n, tile, t, t_ok, T, NT, dd, d_ok, D: tl.constexpr, MODE: tl.constexpr,
                     REVERSE: tl.constexpr, EXCLUSIVE: tl.constexpr):
    """The in-tile cumulative sums of x [BT, BD] (summed over D first for a scalar gate, MODE 1) into loc
    ([N, T, D] or [N, T]) and the tile's total into tot ([N, NT, D] or [N, NT])."""
    if MODE == 1:
        x = tl.sum(x, 1)
    c = tl.cumsum(x, 0, reverse=REVERSE)
    if EXCLUSIVE:
        c = c - x
    if MODE == 2:
        tl.store(loc_ptr + n * T * D + t[:, None] * D + dd[None, :], c, mask=t_ok[:, None] & d_ok[None, :])
        tl.store(tot_ptr + (n * NT + tile) * D + dd, tl.sum(x, 0), mask=d_ok)
    else:
        tl.store(loc_ptr + n * T + t, c, mask=t_ok)
        tl.store(tot_ptr + n * NT + tile, tl.sum(x, 0))


@_launched
@triton.jit
def _read_fwd_kernel(x_ptr, gk_ptr, gk_off, gv_ptr, gv_off, s_ptr, out_ptr, T, NT, K: tl.constexpr,
                     V: tl.constexpr, BT: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr, GK: tl.constexpr,
                     GV: tl.constexpr, BEFORE: tl.constexpr, PREC: tl.constexpr):
    """out[n, t, v-block] = exp(Gv_t) * ((x_t * exp(Gk_t)) @ S[n, :, v-block]); grid (V blocks, NT, N): the
    value blocks of one tile run side by side (its x and gates are read from HBM once)."""
    vb, tile, n = tl.program_id(0), tl.program_id(1), tl.program_id(2).to(tl.int64)
    rows = tl.arange(0, BT)
    t = tile * BT + rows
    t_ok = t < T
    kk = tl.arange(0, BK)
    k_ok = kk < K
    vv = vb * BV + tl.arange(0, BV)
    v_ok = vv < V
    x = tl.load(x_ptr + n * T * K + t[:, None] * K + kk[None, :], mask=t_ok[:, None] & k_ok[None, :],
                other=0.).to(tl.float32)
    if GK > 0:
        x = x * tl.exp(_gates(gk_ptr, gk_off, n, tile, rows, t, T, NT, kk, k_ok, K, GK, False, BEFORE, BT))
    S = tl.load(s_ptr + n * K * V + kk[:, None] * V + vv[None, :], mask=k_ok[:, None] & v_ok[None, :],
                other=0.).to(tl.float32)
    r = tl.dot(x, S, input_precision=PREC)
    if GV:
        r = r * tl.exp(_gates(gv_ptr, gv_off, n, tile, rows, t, T, NT, vv, v_ok, V, 2, False, BEFORE, BT))
    tl.store(out_ptr + n * T * V + t[:, None] * V + vv[None, :], r.to(out_ptr.dtype.element_ty),
             mask=t_ok[:, None] & v_ok[None, :])


@_launched
@triton.jit
def _read_vjp_kernel(x_ptr, gk_ptr, gk_off, gv_ptr, gv_off, s_ptr, dr_ptr, dx_ptr, hk_ptr, hk_tot, hv_ptr, hv_tot,
                     T, NT, K: tl.constexpr, V: tl.constexpr, BT: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr,
                     GK: tl.constexpr, GV: tl.constexpr, BEFORE: tl.constexpr, NEED_DX: tl.constexpr,
                     NEED_GK: tl.constexpr, NEED_GV: tl.constexpr, PREC: tl.constexpr):
    """A read's vector-Jacobian products but the state's, for one tile (grid (NT, N)): u = exp(Gv) * dr,
    y = u S^T, dx = exp(Gk) * y; the in-tile reverse cumulative sums (and tile totals) of x * dx (key gate) and
    of u * ((x * exp(Gk)) S) (value gate), inclusive for reads after the update, exclusive before."""
    tile, n = tl.program_id(0), tl.program_id(1).to(tl.int64)
    rows = tl.arange(0, BT)
    t = tile * BT + rows
    t_ok = t < T
    kk = tl.arange(0, BK)
    k_ok = kk < K
    x = tl.load(x_ptr + n * T * K + t[:, None] * K + kk[None, :], mask=t_ok[:, None] & k_ok[None, :],
                other=0.).to(tl.float32)
    if GK > 0:
        x = x * tl.exp(_gates(gk_ptr, gk_off, n, tile, rows, t, T, NT, kk, k_ok, K, GK, False, BEFORE, BT))
    xe = x  # x and exp(Gk) are not kept through the loop (registers): dx = exp(Gk) * y, x * dx = xe * y
    y = tl.zeros([BT, BK], dtype=tl.float32)
    for v0 in tl.static_range(0, V, BV):
        vv = v0 + tl.arange(0, BV)
        v_ok = vv < V
        u = tl.load(dr_ptr + n * T * V + t[:, None] * V + vv[None, :], mask=t_ok[:, None] & v_ok[None, :],
                    other=0.).to(tl.float32)
        if GV:
            u = u * tl.exp(_gates(gv_ptr, gv_off, n, tile, rows, t, T, NT, vv, v_ok, V, 2, False, BEFORE, BT))
        S = tl.load(s_ptr + n * K * V + kk[:, None] * V + vv[None, :], mask=k_ok[:, None] & v_ok[None, :],
                    other=0.).to(tl.float32)
        y += tl.dot(u, tl.trans(S), input_precision=PREC)
        if GV and NEED_GV:
            _store_tile_sums(hv_ptr, hv_tot, u * tl.dot(xe, S, input_precision=PREC), n, tile, t, t_ok, T, NT,
                             vv, v_ok, V, 2, True, BEFORE)
    if NEED_DX:
        dx = y
        if GK > 0:
            dx = y * tl.exp(_gates(gk_ptr, gk_off, n, tile, rows, t, T, NT, kk, k_ok, K, GK, False, BEFORE, BT))
        tl.store(dx_ptr + n * T * K + t[:, None] * K + kk[None, :], dx.to(dx_ptr.dtype.element_ty),
                 mask=t_ok[:, None] & k_ok[None, :])
    if GK > 0 and NEED_GK:
        _store_tile_sums(hk_ptr, hk_tot, xe * y, n, tile, t, t_ok, T, NT, kk, k_ok, K, GK, True, BEFORE)


@_launched
@triton.jit
def _read_dstate_kernel(x_ptr, gk_ptr, gk_off, gv_ptr, gv_off, dr_ptr, part_ptr, T, NT, TILES,
                        K: tl.constexpr, V: tl.constexpr, BT: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr,
                        GK: tl.constexpr, GV: tl.constexpr, BEFORE: tl.constexpr, PREC: tl.constexpr):
    """A read's d/dS = sum_t (x_t * exp(Gk_t)) (exp(Gv_t) * dr_t)^T over the TILES tiles of one split of time:
    part[split, n, :, v-block]; grid (V blocks, splits, N)."""
    vb, split, n = tl.program_id(0), tl.program_id(1), tl.program_id(2).to(tl.int64)
    N = tl.num_programs(2)
    rows = tl.arange(0, BT)
    kk = tl.arange(0, BK)
    k_ok = kk < K
    vv = vb * BV + tl.arange(0, BV)
    v_ok = vv < V
    acc = tl.zeros([BK, BV], dtype=tl.float32)
    for tile in range(split * TILES, tl.minimum(split * TILES + TILES, NT)):
        t = tile * BT + rows
        t_ok = t < T
        x = tl.load(x_ptr + n * T * K + t[:, None] * K + kk[None, :], mask=t_ok[:, None] & k_ok[None, :],
                    other=0.).to(tl.float32)
        if GK > 0:
            x = x * tl.exp(_gates(gk_ptr, gk_off, n, tile, rows, t, T, NT, kk, k_ok, K, GK, False, BEFORE, BT))
        u = tl.load(dr_ptr + n * T * V + t[:, None] * V + vv[None, :], mask=t_ok[:, None] & v_ok[None, :],
                    other=0.).to(tl.float32)
        if GV:
            u = u * tl.exp(_gates(gv_ptr, gv_off, n, tile, rows, t, T, NT, vv, v_ok, V, 2, False, BEFORE, BT))
        acc += tl.dot(tl.trans(x), u, input_precision=PREC)
    tl.store(part_ptr + ((split * N + n) * K + kk[:, None]) * V + vv[None, :], acc,
             mask=k_ok[:, None] & v_ok[None, :])


@_launched
@triton.jit
def _add_tile_offsets_kernel(loc_ptr, off_ptr, out_ptr, T, NT, PARTS: tl.constexpr, D: tl.constexpr,
                             BT: tl.constexpr, BD: tl.constexpr):
    """out[n, t] = sum_p loc[p, n, t] + off[n, tile of t] ([.., D] rows; D = 1: [N, T]); grid (NT, N)."""
    tile, n = tl.program_id(0), tl.program_id(1).to(tl.int64)
    N = tl.num_programs(1)
    t = tile * BT + tl.arange(0, BT)
    t_ok = t < T
    dd = tl.arange(0, BD)
    d_ok = dd < D
    mask = t_ok[:, None] & d_ok[None, :]
    acc = tl.load(off_ptr + (n * NT + tile) * D + dd, mask=d_ok, other=0.)[None, :] + tl.zeros([BT, BD], tl.float32)
    for p in tl.static_range(PARTS):
        acc += tl.load(loc_ptr + (p * N + n) * T * D + t[:, None] * D + dd[None, :], mask=mask, other=0.)
    tl.store(out_ptr + n * T * D + t[:, None] * D + dd[None, :], acc.to(out_ptr.dtype.element_ty), mask=mask)


# ------------------------------------------------------------------ launchers
def _check_device(x):
    if not x.is_cuda and os.environ.get("TRITON_INTERPRET") != "1":
        raise ValueError("the LASP-2 corrections' Triton kernels need CUDA tensors, or TRITON_INTERPRET=1 "
                         "(Triton's interpreter) on the CPU; pass backend='torch' for the PyTorch path")


def _gate_mode(g):
    return 0 if g is None else (1 if g.dim() == 2 else 2)


def _arg(x, dummy):
    """A kernel operand: contiguous, in its own floating dtype (fp64 as fp32)."""
    if x is None:
        return dummy
    return (x.float() if x.dtype == torch.float64 else x).contiguous()


def _offsets(g, reverse):
    """[N, NT, ...] per-tile offsets of a log-gate [N, T, ...] (None: none): the sums over the earlier tiles, or
    the later ones (reverse), fp32."""
    if g is None:
        return None
    g = g.float()
    N, T = g.shape[:2]
    full = T // TILE
    sums = []
    if full:
        sums.append(g[:, :full * TILE].reshape((N, full, TILE) + tuple(g.shape[2:])).sum(2))
    if T % TILE:
        sums.append(g[:, full * TILE:].sum(1, keepdim=True))
    sums = torch.cat(sums, 1) if len(sums) > 1 else sums[0]
    return (_rcums(sums) if reverse else _cums(sums)[1]).contiguous()


def _finish(loc, tot, const, reverse, like):
    """Cumulative sums over time from in-tile sums loc [PARTS, N, T, (D)] and tile totals tot [PARTS, N, NT, (D)]:
    + the totals' exclusive sums over the earlier (or later, reverse) tiles + const [N, (D)] (None: 0)."""
    tot = tot.sum(0)
    off = _rcums(tot) if reverse else _cums(tot)[1]
    if const is not None:
        off = off + const.float().reshape(off.shape[0], 1, -1)
    N, T = loc.shape[1:3]
    D = loc.shape[3] if loc.dim() == 4 else 1
    out = loc[0] if loc.shape[0] == 1 and like.dtype == torch.float32 else torch.empty(
        like.shape, device=like.device, dtype=like.dtype)
    _add_tile_offsets_kernel[(_cdiv(T, TILE), N)](loc, off.contiguous(), out, T, off.shape[1],
                                                         PARTS=loc.shape[0], D=D, BT=TILE, BD=_p2(D, 1))
    return out


def _blocks(K, V):
    """(BK, BV): the whole key dimension, value blocks of 32 (64 for K <= 64) as in the engine's state pass."""
    BK = _p2(K)
    return BK, min(_p2(V), 32 if BK >= 128 else 64)


def _warps(BK):
    """Warps of the kernels that keep two [TILE, BK] fp32 tiles through their loop over value blocks."""
    return 8 if BK >= 128 else 4


def read_correction(x, gk, gv, S, before):
    """exp(Gv_t) * ((x_t * exp(Gk_t)) @ S) for x [N, T, K], log-gates gk [N, T] / [N, T, K] / None, gv [N, T, V]
    / None, S [N, K, V]; G inclusive (after) or exclusive (before) cumulative sums. In x's dtype."""
    _check_device(x)
    N, T, K = x.shape
    V = S.shape[-1]
    dummy = _dummy(x.device)
    BK, BV = _blocks(K, V)
    NT = _cdiv(T, TILE)
    out = torch.empty(N, T, V, device=x.device, dtype=x.dtype)
    gk_off, gv_off = _offsets(gk, False), _offsets(gv, False)
    _read_fwd_kernel[(_cdiv(V, BV), NT, N)](
        _arg(x, dummy), _arg(gk, dummy), _arg(gk_off, dummy), _arg(gv, dummy), _arg(gv_off, dummy), _arg(S, dummy),
        out, T, NT, K=K, V=V, BT=TILE, BK=BK, BV=BV, GK=_gate_mode(gk), GV=gv is not None, BEFORE=before,
        PREC=PREC)
    return out


def read_correction_vjp(x, gk, gv, S, dr, before, need):
    """(dx, dgk, dgv, dS) of read_correction for the cotangent dr [N, T, V]; need: which of them (None others)."""
    _check_device(x)
    N, T, K = x.shape
    V = S.shape[-1]
    dev = x.device
    f32 = torch.float32
    dummy = _dummy(dev)
    BK, BV = _blocks(K, V)
    NT = _cdiv(T, TILE)
    GK = _gate_mode(gk)
    need_gk, need_gv = GK > 0 and need[1], gv is not None and need[2]
    gk_off, gv_off = _offsets(gk, False), _offsets(gv, False)
    x_, gk_, gv_, dr_ = _arg(x, dummy), _arg(gk, dummy), _arg(gv, dummy), _arg(dr, dummy)
    gk_off_, gv_off_ = _arg(gk_off, dummy), _arg(gv_off, dummy)
    dx = torch.empty(N, T, K, device=dev, dtype=x.dtype) if need[0] else dummy
    DK = K if GK == 2 else 1
    hk = torch.empty(1, N, T, DK, device=dev, dtype=f32) if need_gk else dummy
    hk_tot = torch.empty(1, N, NT, DK, device=dev, dtype=f32) if need_gk else dummy
    hv = torch.empty(1, N, T, V, device=dev, dtype=f32) if need_gv else dummy
    hv_tot = torch.empty(1, N, NT, V, device=dev, dtype=f32) if need_gv else dummy
    dgk = dgv = dS = None
    if need[0] or need_gk or need_gv:
        _read_vjp_kernel[(NT, N)](x_, gk_, gk_off_, gv_, gv_off_, _arg(S, dummy), dr_, dx, hk, hk_tot, hv, hv_tot,
                                  T, NT, K=K, V=V, BT=TILE, BK=BK, BV=BV, GK=GK, GV=gv is not None, BEFORE=before,
                                  NEED_DX=bool(need[0]), NEED_GK=need_gk, NEED_GV=need_gv, PREC=PREC,
                                  num_warps=_warps(BK))
        if need_gk:
            dgk = _finish(hk, hk_tot, None, True, gk).reshape(gk.shape)
        if need_gv:
            dgv = _finish(hv, hv_tot, None, True, gv)
    if need[3]:
        nvb = _cdiv(V, BV)
        splits = max(1, min(NT, _cdiv(MIN_PROGRAMS, N * nvb)))
        tiles = _cdiv(NT, splits)
        splits = _cdiv(NT, tiles)
        part = torch.empty(splits, N, K, V, device=dev, dtype=f32)
        _read_dstate_kernel[(nvb, splits, N)](x_, gk_, gk_off_, gv_, gv_off_, dr_, part, T, NT, tiles, K=K, V=V,
                                              BT=TILE, BK=BK, BV=BV, GK=GK, GV=gv is not None, BEFORE=before,
                                              PREC=PREC)
        dS = part.sum(0).to(S.dtype)
    return (dx if need[0] else None), dgk, dgv, dS
