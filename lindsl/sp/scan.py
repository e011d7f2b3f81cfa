"""The exclusive scan over ranks of affine maps S -> L S R + B, on a torch.distributed process group.

Positions 0..P-1 order the ranks along the scan: rank order for the forward (state at each shard start), reversed
for the backward (adjoint of each shard end), where the maps are the transposed ones, S -> L^T S R + G. Position p
receives X_p = M_{p-1}(... M_0(0)), the fold of the maps before it (X_0 = 0).

A map holds, per state ("core"), L: None (identity) | [N] scalar | [N, K] key-diagonal | [N, K, K] dense, R: None
| [N, V] value-diagonal, and B: [N, K, V]. Compositions and applications are exact in this compact form (a scalar
times a dense matrix stays dense, a zero map is L = 0). Cores whose transition is constant over time (identity,
known decays) never send L or R: every rank computes them from the shard lengths (`const_map`). Messages are flat
buffers of the state dtype (fp32, or fp64 for fp64 inputs); gloo rejects an all-gather into a stacked [P, ...]
tensor, so all-gathers use flat buffers too.
"""
from __future__ import annotations

import math

import torch
import torch.distributed as dist

from ..runtime.evaluate import mul_optional


class SPError(RuntimeError):
    """A sequence-parallel call failed on this rank: mismatched shards, a dead or missing rank, a timeout."""


# ------------------------------------------------------------------ compact-map algebra
def apply_map(L, R, S, cols=None):
    """L S R for S [N, K, v] (columns `cols` of the value dim when R is given for all columns)."""
    if L is not None:
        if L.dim() == 1:
            S = S * L[:, None, None]
        elif L.dim() == 2:
            S = S * L[:, :, None]
        else:
            S = L @ S
    if R is not None:
        S = S * (R if cols is None else R[:, cols])[:, None, :]
    return S


def _as_dense(L, K):
    if L.dim() == 1:
        return L[:, None, None] * torch.eye(K, dtype=L.dtype, device=L.device)
    if L.dim() == 2:
        return torch.diag_embed(L)
    return L


def compose_left(L2, L1):
    """L2 L1 (L1 acts first)."""
    if L2 is None:
        return L1
    if L1 is None:
        return L2
    if L2.dim() < 3 and L1.dim() < 3:
        if L2.dim() == L1.dim():
            return L2 * L1
        return (L2[:, None] * L1) if L2.dim() == 1 else (L2 * L1[:, None])
    if L2.dim() == 3 and L1.dim() == 3:
        return L2 @ L1
    if L2.dim() == 3:
        return L2 * (L1[:, None, None] if L1.dim() == 1 else L1[:, None, :])
    return L1 * (L2[:, None, None] if L2.dim() == 1 else L2[:, :, None])


def compose_right(R2, R1):
    """R2 R1 for value-side maps (diagonal: they commute; None is the identity)."""
    return mul_optional(R2, R1)


def transpose_left(L):
    return L.transpose(-1, -2) if L is not None and L.dim() == 3 else L


# ------------------------------------------------------------------ communication
def all_gather_flat(out, inp, group):
    """All-gather into a flat buffer (all_gather_single in recent torch, all_gather_into_tensor before)."""
    fn = getattr(dist, "all_gather_single", None) or dist.all_gather_into_tensor
    return fn(out, inp, group=group)


class Comm:
    """Point-to-point and collective calls by scan position, with failures turned into SPError."""

    def __init__(self, group, order):
        self.group = group
        self.order = list(order)  # group ranks by position
        self.rank = dist.get_rank(group)
        self.P = dist.get_world_size(group)
        self.pos = self.order.index(self.rank)

    def _global(self, pos):
        gr = self.order[pos]
        if self.group is None or self.group == dist.group.WORLD:
            return gr
        return dist.get_global_rank(self.group, gr)

    def fail(self, stage, err):
        return SPError(f"rank {self.rank}: sequence-parallel {stage} failed ({type(err).__name__}: "
                       f"{str(err).strip()[:400]}). A rank died, hung or did not make the same sequence-parallel "
                       f"call (the wait is bounded by the process group's timeout).")

    def all_gather(self, out, inp, stage):
        try:
            all_gather_flat(out, inp, self.group)
        except Exception as err:  # noqa: BLE001 - every backend error becomes one clear error
            raise self.fail(stage, err) from err

    def exchange(self, sends, recvs, stage):
        """Post sends [(tensor, pos)] and receives [(tensor, pos)] together and wait for all of them."""
        try:
            ops = [dist.P2POp(dist.isend, t, self._global(p), self.group) for t, p in sends if t.numel()]
            ops += [dist.P2POp(dist.irecv, t, self._global(p), self.group) for t, p in recvs if t.numel()]
            if ops:
                for w in dist.batch_isend_irecv(ops):
                    w.wait()
        except Exception as err:  # noqa: BLE001
            raise self.fail(stage, err) from err

    def recv(self, t, pos, stage):
        self.exchange([], [(t, pos)], stage)

    def isend(self, t, pos, stage):
        try:
            return dist.isend(t, self._global(pos), self.group) if t.numel() else None
        except Exception as err:  # noqa: BLE001
            raise self.fail(stage, err) from err

    def wait(self, works, stage):
        try:
            for w in works:
                if w is not None:
                    w.wait()
        except Exception as err:  # noqa: BLE001
            raise self.fail(stage, err) from err


# ------------------------------------------------------------------ the scan
class ScanSpec:
    """What every rank knows about every core and every rank's shard: shapes, which cores are data-dependent,
    shard lengths and resets (a sequence start inside the shard: its A is 0), and the constant per-step log-gates
    of constant cores."""

    def __init__(self, cores, lens, resets, dtype, device):
        self.cores = cores  # dicts: left, right, constant, N, K, V, gk0 ([N] / [N, K] / None), gv0 ([N, V] / None)
        self.lens = list(lens)  # tokens per group rank
        self.resets = list(resets)  # per group rank
        self.dtype = dtype
        self.device = device

    def l_shape(self, c):
        return {"scalar": (c["N"],), "key-vector": (c["N"], c["K"]), "dense": (c["N"], c["K"], c["K"]),
                "none": None}[c["left"]]

    def r_shape(self, c):
        return (c["N"], c["V"]) if c["right"] != "none" else None

    def const_map(self, i, ranks):
        """(L, R) of constant core i over the given group ranks' shards."""
        c = self.cores[i]
        if any(self.resets[r] for r in ranks):
            return torch.zeros(c["N"], dtype=self.dtype, device=self.device), None
        n = float(sum(self.lens[r] for r in ranks))
        L = None if c["gk0"] is None else torch.exp(c["gk0"].double() * n).to(self.dtype)
        R = None if c["gv0"] is None else torch.exp(c["gv0"].double() * n).to(self.dtype)
        return L, R


class Scan:
    """One exclusive scan (forward or backward) with one schedule."""

    def __init__(self, spec: ScanSpec, comm: Comm, reverse: bool):
        self.spec = spec
        self.comm = comm
        self.reverse = reverse
        self.P = comm.P
        self.pos = comm.pos

    def ranks(self, lo, hi):
        return [self.comm.order[q] for q in range(lo, hi + 1)]

    def _L(self, L):
        return transpose_left(L) if self.reverse else L

    def _sizes(self, with_A, cols=None):
        out = []
        for i, c in enumerate(self.spec.cores):
            if with_A and not c["constant"]:
                for shp in (self.spec.l_shape(c), self.spec.r_shape(c)):
                    out.append(("A", shp))
            v = c["V"] if cols is None else len(cols[i])
            out.append(("B", (c["N"], c["K"], v)))
        return out

    def pack(self, Ls, Rs, Bs, with_A, cols=None):
        parts = []
        for i, c in enumerate(self.spec.cores):
            if with_A and not c["constant"]:
                for x, shp in ((Ls[i], self.spec.l_shape(c)), (Rs[i], self.spec.r_shape(c))):
                    if shp is None:
                        continue
                    if x is None or x.numel() != math.prod(shp):  # a layout both sides derive identically
                        raise AssertionError(f"sequence-parallel message layout: core {i} expects {shp}")
                    parts.append(x.reshape(-1))
            B = Bs[i] if cols is None else Bs[i][:, :, cols[i]]
            parts.append(B.reshape(-1))
        return torch.cat([p.to(self.spec.dtype) for p in parts]) if parts else torch.zeros(0, dtype=self.spec.dtype)

    def numel(self, with_A, cols=None):
        return sum(math.prod(s) for _, s in self._sizes(with_A, cols) if s is not None)

    def unpack(self, buf, with_A, cols=None):
        Ls, Rs, Bs = [], [], []
        off = 0

        def take(shape):
            nonlocal off
            if shape is None:
                return None
            n = math.prod(shape)
            x = buf[off:off + n].reshape(shape)
            off += n
            return x

        for i, c in enumerate(self.spec.cores):
            L = R = None
            if with_A and not c["constant"]:
                L, R = take(self.spec.l_shape(c)), take(self.spec.r_shape(c))
            v = c["V"] if cols is None else len(cols[i])
            Ls.append(L)
            Rs.append(R)
            Bs.append(take((c["N"], c["K"], v)))
        return Ls, Rs, Bs

    def maps_over(self, Ls, Rs, lo, hi):
        """Per core (L, R) of the positions lo..hi: data cores from the given tensors, constant cores computed."""
        out = []
        for i, c in enumerate(self.spec.cores):
            if c["constant"]:
                out.append(self.spec.const_map(i, self.ranks(lo, hi)))
            else:
                out.append((Ls[i], Rs[i]))
        return out

    def zeros(self):
        return [torch.zeros(c["N"], c["K"], c["V"], dtype=self.spec.dtype, device=self.spec.device)
                for c in self.spec.cores]

    # ---------------- schedules
    def allgather(self, Ls, Rs, Bs, gathered=None):
        """All-gather every position's map (only B when `gathered` holds the maps from the forward), fold locally.
        Returns (X, gathered maps by group rank) for the backward to re-use."""
        with_A = gathered is None
        buf = self.pack(Ls, Rs, Bs, with_A).contiguous()
        out = torch.empty(self.P * buf.numel(), dtype=buf.dtype, device=buf.device)
        self.comm.all_gather(out, buf, "all-gather" + (" (backward)" if self.reverse else ""))
        per_rank = {}
        for gr in range(self.P):
            L_, R_, B_ = self.unpack(out[gr * buf.numel():(gr + 1) * buf.numel()], with_A)
            if not with_A:
                L_, R_ = gathered[gr]
            per_rank[gr] = (L_, R_, B_)
        X = None
        for q in range(self.pos):
            gr = self.comm.order[q]
            L_, R_, B_ = per_rank[gr]
            maps = self.maps_over(L_, R_, q, q)
            if X is None:
                X = list(B_)
            else:
                X = [apply_map(self._L(L), R, x) + b for (L, R), x, b in zip(maps, X, B_)]
        X = [x.clone() for x in X] if X is not None else self.zeros()
        return X, {gr: (per_rank[gr][0], per_rank[gr][1]) for gr in per_rank}

    def allscan(self, Ls, Rs, Bs, blocks):
        """Pipelined chain: the state split into `blocks` column blocks; each block of A_p(X_p) + B_p goes to the
        next position as soon as it is computed (ZeCO's All-Scan). A never leaves its rank."""
        cols = []
        for c in self.spec.cores:
            edges = [round(j * c["V"] / blocks) for j in range(blocks + 1)]
            cols.append([list(range(edges[j], edges[j + 1])) for j in range(blocks)])
        maps = self.maps_over(Ls, Rs, self.pos, self.pos)
        X_blocks = [[] for _ in self.spec.cores]
        works = []
        stage = "all-scan" + (" (backward)" if self.reverse else "")
        for j in range(blocks):
            cj = [cc[j] for cc in cols]
            if self.pos > 0:
                rb = torch.empty(self.numel(False, cj), dtype=self.spec.dtype, device=self.spec.device)
                self.comm.recv(rb, self.pos - 1, stage)
                _, _, Xj = self.unpack(rb, False, cj)
            else:
                Xj = [torch.zeros(c["N"], c["K"], len(cj[i]), dtype=self.spec.dtype, device=self.spec.device)
                      for i, c in enumerate(self.spec.cores)]
            for i, x in enumerate(Xj):
                X_blocks[i].append(x)
            if self.pos < self.P - 1:
                outj = []
                for i, ((L, R), x) in enumerate(zip(maps, Xj)):
                    b = Bs[i][:, :, cj[i]]
                    outj.append(b if self.pos == 0 else apply_map(self._L(L), R, x, cj[i]) + b)
                buf = self.pack([None] * len(outj), [None] * len(outj), outj, False).contiguous()
                works.append((self.comm.isend(buf, self.pos + 1, stage), buf))  # the buffer lives until the wait
        self.comm.wait([w for w, _ in works], stage)
        return [torch.cat(xs, -1) for xs in X_blocks]

    def doubling(self, Ls, Rs, Bs):
        """Recursive doubling (Hillis-Steele) on the exclusive scan: each position keeps the map of
        [lo, p] (inclusive, sent on) and of [lo', p-1] (exclusive, its result); ceil(log2 P) rounds; A is sent
        only when the receiver will compose again (its range does not start at position 0)."""
        P, p = self.P, self.pos
        stage = "recursive doubling" + (" (backward)" if self.reverse else "")
        incl = (list(map(self._L, Ls)), list(Rs), list(Bs))
        incl_lo = p
        excl = None  # (Ls, Rs, Bs) over [excl_lo, p-1]
        d = 0
        while (1 << d) < P:
            dist_ = 1 << d
            sends, recvs = [], []
            if p + dist_ < P:
                sends.append((self.pack(*incl, with_A=incl_lo > 0).contiguous(), p + dist_))
            rb = None
            if p - dist_ >= 0:
                s = p - dist_
                s_lo = max(0, s - dist_ + 1)
                rb = torch.empty(self.numel(s_lo > 0), dtype=self.spec.dtype, device=self.spec.device)
                recvs.append((rb, s))
            self.comm.exchange(sends, recvs, stage)
            if rb is not None:
                rL, rR, rB = self.unpack(rb, s_lo > 0)  # already in the scan's orientation (transposed once)
                # A of the received range, for constant cores computed from the range
                r_maps = [(self.spec.const_map(i, self.ranks(s_lo, s)) if c["constant"] else (rL[i], rR[i]))
                          for i, c in enumerate(self.spec.cores)]
                excl = self._compose(excl, (excl_lo if excl is not None else None), r_maps, rB, s_lo, p - 1)
                excl_lo = s_lo
                if p + 2 * dist_ < P:  # the inclusive map is sent again later
                    incl = self._compose(incl, incl_lo, r_maps, rB, s_lo, p)
                incl_lo = s_lo
            d += 1
        if excl is None:
            return self.zeros()
        return [b.clone() for b in excl[2]]

    def _compose(self, outer, outer_lo, r_maps, rB, lo, hi):
        """outer after the received map: (A_o A_r, A_o B_r + B_o); A only when the result's range starts > 0."""
        need_A = lo > 0
        if outer is None:
            Ls = [m[0] if need_A else None for m in r_maps]
            Rs = [m[1] if need_A else None for m in r_maps]
            return Ls, Rs, list(rB)
        oL, oR, oB = outer
        o_maps = [(self.spec.const_map(i, self.ranks(outer_lo, hi)) if c["constant"] else (oL[i], oR[i]))
                  for i, c in enumerate(self.spec.cores)]
        Bn = [apply_map(L, R, b) + ob for (L, R), b, ob in zip(o_maps, rB, oB)]
        if not need_A:
            return [None] * len(Bn), [None] * len(Bn), Bn
        Ln = [compose_left(L, rl) for (L, _), (rl, _) in zip(o_maps, r_maps)]
        Rn = [compose_right(R, rr) for (_, R), (_, rr) in zip(o_maps, r_maps)]
        return Ln, Rn, Bn


def run_scan(schedule, spec: ScanSpec, comm: Comm, Ls, Rs, Bs, reverse=False, blocks=1, gathered=None):
    """X at this rank's position (per core [N, K, V]); for allgather also the gathered maps."""
    sc = Scan(spec, comm, reverse)
    if comm.P == 1:
        return sc.zeros(), None
    if schedule == "allgather":
        return sc.allgather(Ls, Rs, Bs, gathered)
    if schedule == "allscan":
        return sc.allscan(Ls, Rs, Bs, max(1, blocks)), None
    if schedule == "doubling":
        return sc.doubling(Ls, Rs, Bs), None
    raise ValueError(f"unknown schedule {schedule!r}")
