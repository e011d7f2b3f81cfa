"""Sequence-parallel plans: what each rank sends, which schedule runs the scan over ranks, and why.

A sequence of T tokens is split into P contiguous shards. Rank r needs the state at its shard start, the
exclusive scan over ranks of the shards' affine maps S -> A_r(S) + B_r (lindsl.sp.payload), and in backward the
reverse scan of the state's adjoint with A_r^T. Three schedules compute it (lindsl.sp.scan):

  allgather  one all-gather of every rank's (A_r, B_r), then a local fold (LASP-2, fla's context parallel):
             receives (P-1)(m_S + m_A), memory O(P), latency (P-1) alpha on a ring, one alpha through a switch;
             the backward re-uses the gathered A and sends only the adjoint states.
  allscan    a pipelined chain (ZeCO's All-Scan): the state is split into n blocks (along V: a dense A acts on
             K), rank r forwards each block to r+1 as soon as A_r(block) + B_r is ready:
             (P - 2 + n)(alpha + (beta m_S + t_apply)/n); A never leaves its rank; memory O(1).
  doubling   recursive doubling (Hillis-Steele): ceil(log2 P) rounds, each composing two affine maps
             (dense A: a K x K matmul per row), A sent only while a later round needs it; memory O(1).

m_S: state bytes per rank (B*H*M*K*V, fp32), m_A: transition bytes (none for identity / constant decays,
B*H*M numbers for a scalar gate, x K for a key-vector gate, x K^2 dense, + V for a value gate). The alpha-beta
model (latency alpha per message, beta seconds per byte, flop/s and memory bandwidth for applying and composing A)
predicts each schedule's time on the critical path; the planner picks the fastest (ties: lower memory), or the
user forces one. Re-associating schedules are not bit-identical to the sequential scan (fp32 rounding).

Besides the exchange, the plan names the executor's form (lindsl.sp.payload.sp_form) and estimates the form's own
compute on the critical path (form_cost): for "lasp2" the corrections after the exchanges (one K x V product per
read and token forward, two per input backward), for "summary-first" the summary and adjoint state passes that
run before them.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field

from ..dimexpr import render_poly, with_derived
from .payload import kind_label, sp_form, transition_elems

SCHEDULES = ("allgather", "allscan", "doubling")
_PREFERENCE = ("allscan", "doubling", "allgather")  # on (near) ties: O(1) memory first


@dataclass
class LinkModel:
    """Cost-model constants. alpha: seconds per message; bandwidth: bytes/s per link direction; flops: fp32 flop/s
    for applying/composing A; mem: bytes/s for elementwise work; ring: an all-gather pays (P-1) latencies (a ring),
    otherwise one (all peers reached at once, as through an NVSwitch). The profiles are assumptions, not
    measurements: compare them with `benchmarks/sp_suite.py` and override them (LinkModel, CLI flags)."""
    name: str
    alpha: float
    bandwidth: float
    flops: float
    mem: float
    ring: bool = True
    overhead: float = 0.0  # fixed software cost of one scan (packing, kernel launches, Python), per direction

    def describe(self) -> str:
        return (f"{self.name}: alpha = {_fmt_time(self.alpha)} per message, 1/beta = {self.bandwidth / 1e9:.0f} GB/s, "
                f"{self.flops / 1e12:.3g} TFLOP/s fp32, memory {self.mem / 1e12:.3g} TB/s, all-gather latency "
                f"{'(P-1) alpha (ring)' if self.ring else 'alpha (one step through the switch)'}"
                + (f", {_fmt_time(self.overhead)} fixed per scan" if self.overhead else ""))


PROFILES = {
    # NCCL within one host over NVLink: calibrated on the lent 2 x H200 (benchmarks/raw/sp_suite_2026-11-29_x2_run1
    # .json): one-way 4 KiB 81 us, 1 MiB 59 us, 16 MiB 96 us (alpha ~60 us, ~400 GB/s), and a scan phase measured
    # at 0.4-0.5 ms for one message (packing, launches, Python: the fixed overhead); an all-gather reaches every
    # peer at once (NVSwitch)
    "nvlink": LinkModel("nvlink", 60e-6, 400e9, 50e12, 4e12, ring=False, overhead=350e-6),
    # NCCL across hosts (400 Gb/s InfiniBand NDR per GPU), ring all-gather; the software overhead assumed as measured
    # on NVLink (not measured here)
    "ib": LinkModel("ib", 25e-6, 45e9, 50e12, 4e12, ring=True, overhead=350e-6),
    # gloo over loopback TCP on CPUs (assumed; the CI self-check does not time anything)
    "gloo": LinkModel("gloo", 100e-6, 2e9, 2e10, 1e10, ring=True, overhead=1e-3),
}


@dataclass
class CorePayload:
    """One state's share of what a rank sends."""
    state: str
    kind: str  # none (identity) | none (constant decay) | scalar | key-vector | dense K x K [+ value-vector]
    left: str
    right: str
    constant: bool
    shape: str  # the state per row, e.g. "[K=128, V=128]"
    rows: int  # B * H * (M)
    K: int
    V: int
    state_bytes: int
    transition_bytes: int
    apply_flops: float  # S -> A(S) for the whole state
    compose_flops: float  # A2 A1


@dataclass
class Plan:
    """A sequence-parallel plan: payload per rank, the chosen schedule, every alternative's cost figures.
    Printable (str), serialisable (to_json / from_json)."""
    spec: str
    world: int
    seq_len: int
    heads: int
    batch: int
    sizes: dict
    state_dtype: str
    cores: list
    state_bytes: int
    transition_bytes: int
    schedule: str
    forced: bool
    blocks: int
    alternatives: dict
    predicted_comm_s: float
    reason: str
    model: dict
    shard_lens: list = field(default_factory=list)
    form: str = "lasp2"  # the executor's form (lindsl.sp.payload.sp_form): "lasp2" or "summary-first"
    form_reason: str = ""
    extra: dict = field(default_factory=dict)  # the form's own compute on the critical path (form_cost)
    halo: list = field(default_factory=list)  # the inputs read at earlier tokens (x[t-n]): exchanged as a halo

    def to_json(self, indent=None) -> str:
        return json.dumps(asdict(self), indent=indent)

    @staticmethod
    def from_json(text: str) -> "Plan":
        d = json.loads(text)
        d["cores"] = [CorePayload(**c) for c in d["cores"]]
        return Plan(**d)

    def __str__(self) -> str:
        per = self.seq_len / max(self.world, 1)
        dims = ", ".join(f"{k}={v}" for k, v in self.sizes.items())
        lines = [f"sequence-parallel plan: {self.spec} on {self.world} ranks, {self.seq_len} tokens "
                 f"({per:.0f} per rank), B={self.batch}, H={self.heads}, {dims}; states {self.state_dtype}",
                 "payload per rank (A_r = the shard's transition product, B_r = its final state from zero):"]
        for c in self.cores:
            lines.append(f"  {c.state:6s} A_r: {c.kind:28s} {_fmt_bytes(c.transition_bytes):>10s}   "
                         f"B_r: state {c.shape} x {c.rows} rows {_fmt_bytes(c.state_bytes):>10s}")
        lines.append(f"  total  A_r {_fmt_bytes(self.transition_bytes)}, B_r {_fmt_bytes(self.state_bytes)}")
        m = LinkModel(**self.model)
        lines.append(f"cost model ({m.describe()}), times per step on the critical path:")
        lines.append(f"  {'schedule':10s} {'forward':>10s} {'backward':>10s} {'total':>10s} {'latency':>10s} "
                     f"{'bandwidth':>10s} {'compute':>10s} {'messages':>8s} {'recv/rank':>10s} {'memory':>10s}")
        for name in SCHEDULES:
            a = self.alternatives[name]
            tag = f"  {name:10s}"
            extra = f"  ({a['blocks']} blocks)" if name == "allscan" else (
                f"  ({a['rounds']} rounds)" if name == "doubling" else "")
            lines.append(f"{tag} {_fmt_time(a['fwd_s']):>10s} {_fmt_time(a['bwd_s']):>10s} "
                         f"{_fmt_time(a['total_s']):>10s} {_fmt_time(a['latency_s']):>10s} "
                         f"{_fmt_time(a['bandwidth_s']):>10s} {_fmt_time(a['compute_s']):>10s} "
                         f"{a['messages']:>8d} {_fmt_bytes(a['bytes_recv']):>10s} {_fmt_bytes(a['memory_bytes']):>10s}"
                         f"{extra}{'   <- chosen' if name == self.schedule else ''}")
        lines.append(f"schedule: {self.schedule}{' (forced)' if self.forced else ''} - {self.reason}")
        lines.append(f"executor form: {self.form} - {self.form_reason}")
        if self.extra:
            e = self.extra
            lines.append(f"  its compute on the critical path (estimate): forward {_fmt_time(e['fwd_s'])} "
                         f"({e['fwd_what']}), backward {_fmt_time(e['bwd_s'])} ({e['bwd_what']})")
        if self.halo:
            lines.append(f"token shifts ({', '.join(self.halo)}): one all-gather of every rank's last tokens of "
                         "those inputs before the local pass and one of their gradients in the backward (a few "
                         "tokens per rank; not in the figures above)")
        lines.append(f"predicted communication time: {_fmt_time(self.predicted_comm_s)} per training step "
                     f"(forward {_fmt_time(self.alternatives[self.schedule]['fwd_s'])} + backward "
                     f"{_fmt_time(self.alternatives[self.schedule]['bwd_s'])})")
        return "\n".join(lines)


def _fmt_bytes(n: float) -> str:
    for unit, s in (("GiB", 2 ** 30), ("MiB", 2 ** 20), ("KiB", 2 ** 10)):
        if n >= s:
            return f"{n / s:.1f} {unit}"
    return f"{int(n)} B"


def _fmt_time(t: float) -> str:
    if t == 0:
        return "0"
    if t >= 1:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    return f"{t * 1e6:.1f} us"


_COUNT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kKmMgG]?)\s*$")


def parse_count(text) -> int:
    """A positive token count: 4096, 32K, 1M, 1.5M, 2G (binary multiples: K = 1024, M = 1024^2, G = 1024^3)."""
    if isinstance(text, int) and not isinstance(text, bool):
        n = text
    else:
        m = _COUNT.match(str(text))
        if not m:
            raise ValueError(f"cannot read {text!r} as a count: write e.g. 4096, 32K, 1M (K = 1024, M = 1024^2)")
        n = float(m.group(1)) * {"": 1, "k": 2 ** 10, "m": 2 ** 20, "g": 2 ** 30}[m.group(2).lower()]
        if n != int(n):
            raise ValueError(f"{text!r} is not a whole number of tokens")
        n = int(n)
    if n < 1:
        raise ValueError(f"expected a positive count, got {text!r}")
    return n


def core_payloads(info: dict, sizes: dict, batch: int, heads: int, elt: int = 4) -> list[CorePayload]:
    """The payload of every state for B=batch, H=heads, dims sizes, elt bytes per state element."""
    out = []
    for c in info["cores"]:
        for d in (c["key"], c["value"], c["mem"]):
            if d is not None and d not in sizes:
                raise ValueError(f"state {c['state']} needs the size of dim {d}")
        K = sizes[c["key"]]
        V = sizes[c["value"]] if c["value"] is not None else 1
        M = sizes[c["mem"]] if c["mem"] is not None else 1
        rows = batch * heads * M
        shape = (f"[{c['mem']}={M}, " if c["mem"] else "[") + f"{c['key']}={K}" + (
            f", {c['value']}={V}]" if c["value"] else "]")
        if c["left"] == "dense":
            apply_f, comp_f = 2.0 * K * K * V, 2.0 * K ** 3
        elif c["left"] == "none":
            apply_f, comp_f = 0.0, 0.0
        else:
            apply_f, comp_f = float(K * V), float(K if c["left"] == "key-vector" else 1)
        if c["right"] != "none":
            apply_f, comp_f = apply_f + K * V, comp_f + V
        out.append(CorePayload(c["state"], kind_label(c), c["left"], c["right"], c["constant"], shape, rows, K, V,
                               rows * K * V * elt, rows * transition_elems(c, K, V) * elt, rows * apply_f,
                               rows * comp_f))
    return out


def form_cost(info: dict, cores: list[CorePayload], form: str, tokens: int, model: LinkModel) -> dict:
    """The executor form's own compute on the critical path, per step, for a shard of `tokens` tokens (estimates
    from flops and bytes, max of the two; cores as from core_payloads, so rows = B*H*M).

    lasp2: after the forward exchange, the correction o_t += (x_t * exp(G_t)) @ S_in: 2 K V flops per read and
    token (plus reading x and the gates, writing o); after the backward exchange, the terms linear in the carried
    cotangent mu: <mu, B_r> as a function of k, v and the gates and its vector-Jacobian product, two K x V
    products per input pair and token. (The d/dS_in product runs before the exchange, with the local backward.)
    summary-first: before the forward exchange a state pass without reads (the chunk engine's state recurrence:
    about 4 K V flops per token, plus 4 C K per token for the WY form of rank-one factors), before the backward
    exchange the same-sized adjoint state pass; the local passes follow the exchanges."""
    fl = by = bfl = bby = 0.0
    for c, ci in zip(cores, info["cores"]):
        n = c.rows * tokens
        elt = c.state_bytes // max(1, c.rows * c.K * c.V)
        nr, ni = ci.get("reads", 1), ci.get("inputs", 1)
        if form == "lasp2":
            fl += n * nr * 2.0 * c.K * c.V
            by += n * elt * (nr * (c.K + 2 * c.V) + c.K)
            bfl += n * ni * 2 * 2.0 * c.K * c.V
            bby += n * elt * ni * 3 * (c.K + c.V)
        else:
            extra = 4.0 * 64 * c.K if c.left == "dense" else 0.0
            fl += n * (4.0 * c.K * c.V + extra)
            by += n * elt * (2 * c.K + c.V)
            bfl += n * (4.0 * c.K * c.V + extra)
            bby += n * elt * (2 * c.K + c.V)
    t = lambda f, b: max(f / model.flops, b / model.mem)  # noqa: E731
    if form == "lasp2":
        return dict(fwd_s=t(fl, by), bwd_s=t(bfl, bby), fwd_what="correction after the exchange",
                    bwd_what="carried-cotangent terms after the exchange")
    return dict(fwd_s=t(fl, by), bwd_s=t(bfl, bby), fwd_what="summary state pass before the exchange",
                bwd_what="adjoint state pass before the exchange")


def _best_blocks(P: int, alpha: float, work: float, nmax: int) -> int:
    """Blocks n minimising (P - 2 + n)(alpha + work / n)."""
    if P <= 2 or alpha <= 0:
        return 1 if P <= 2 else nmax
    n = math.sqrt((P - 2) * work / alpha)
    cands = {1, nmax, max(1, min(nmax, math.floor(n))), max(1, min(nmax, math.ceil(n)))}
    return min(cands, key=lambda k: ((P - 2 + k) * (alpha + work / k), k))


def estimate(cores: list[CorePayload], P: int, model: LinkModel, max_blocks: int | None = None) -> dict:
    """Cost-model figures of every schedule (seconds on the critical path, bytes per rank)."""
    mS = sum(c.state_bytes for c in cores)
    mA = sum(c.transition_bytes for c in cores)
    beta = 1.0 / model.bandwidth
    t_app = max(sum(c.apply_flops for c in cores) / model.flops, 3.0 * mS / model.mem) if any(
        c.left != "none" or c.right != "none" for c in cores) else mS / model.mem  # at least the addition of B
    t_cmp = max(sum(c.compose_flops for c in cores) / model.flops, 3.0 * mA / model.mem)
    Vmax = max((c.V for c in cores), default=1)
    nmax = max(1, min(Vmax, max_blocks or 64))
    res = {}

    def fig(lat, bw, comp, msgs, recv, mem, bwd_lat, bwd_bw, bwd_comp, **extra):
        if P > 1:  # the fixed cost of a scan, counted with the latency
            lat, bwd_lat = lat + model.overhead, bwd_lat + model.overhead
        fwd = lat + bw + comp
        bwd = bwd_lat + bwd_bw + bwd_comp
        return dict(fwd_s=fwd, bwd_s=bwd, total_s=fwd + bwd, latency_s=lat + bwd_lat, bandwidth_s=bw + bwd_bw,
                    compute_s=comp + bwd_comp, messages=msgs, bytes_recv=int(recv), memory_bytes=int(mem), **extra)

    if P <= 1:
        for s in SCHEDULES:
            res[s] = fig(0, 0, 0, 0, 0, 0, 0, 0, 0, blocks=1, rounds=0)
        return res
    # all-gather: receives (P-1) maps (ring: P-1 latencies); the last rank folds P-1 maps. Backward: A is known
    # from the forward, only the adjoint states travel.
    lat = (P - 1 if model.ring else 1) * model.alpha
    res["allgather"] = fig(lat, (P - 1) * (mS + mA) * beta, (P - 1) * t_app, P - 1 if model.ring else 1,
                           (P - 1) * (mS + mA), P * (mS + mA),
                           lat, (P - 1) * mS * beta, (P - 1) * t_app, blocks=1, rounds=1)
    # pipelined chain with n blocks
    n = _best_blocks(P, model.alpha, mS * beta + t_app, nmax)
    stages = P - 2 + n
    lat, bw, comp = stages * model.alpha, stages * mS * beta / n, stages * t_app / n
    res["allscan"] = fig(lat, bw, comp, stages, mS, mS, lat, bw, comp, blocks=n, rounds=P - 1)
    # recursive doubling: R rounds, A sent in the first R-1 (critical path), two compositions per round
    R = math.ceil(math.log2(P))
    lat = R * model.alpha
    bw = ((R - 1) * (mS + mA) + mS) * beta
    comp = (R - 1) * 2 * (t_app + t_cmp) + t_app
    res["doubling"] = fig(lat, bw, comp, R, (R - 1) * (mS + mA) + mS, 2 * (mS + mA), lat, bw, comp,
                          blocks=1, rounds=R)
    return res


def choose(alts: dict) -> str:
    best = min(a["total_s"] for a in alts.values())
    for s in _PREFERENCE:  # within 2% of the best: prefer O(1) memory
        if alts[s]["total_s"] <= best * 1.02 + 1e-12:
            return s
    raise AssertionError("unreachable")


def _reason(alts: dict, chosen: str, forced: bool, auto: str, mS: int, mA: int, model: LinkModel, P: int) -> str:
    a = alts[chosen]
    others = ", ".join(f"{s} {_fmt_time(alts[s]['total_s'])}"
                       + (f" ({alts[s]['total_s'] / a['total_s']:.2f}x)" if a["total_s"] > 0 else "")
                       for s in SCHEDULES if s != chosen)
    if P <= 1:
        return "one rank: nothing to exchange"
    if forced:
        head = f"forced by the caller; the planner would pick {auto} ({_fmt_time(alts[auto]['total_s'])})"
    else:
        head = f"lowest predicted time, {_fmt_time(a['total_s'])} per step"
    lat_bound = model.alpha > mS / model.bandwidth
    why = (f"latency-bound (alpha {_fmt_time(model.alpha)} > beta*m_S {_fmt_time(mS / model.bandwidth)})"
           if lat_bound else f"bandwidth-bound (beta*m_S {_fmt_time(mS / model.bandwidth)} > alpha "
                             f"{_fmt_time(model.alpha)})")
    if mA:
        why += f"; A_r adds {_fmt_bytes(mA)} per rank to allgather/doubling messages (allscan never sends A)"
    else:
        why += "; A_r is not sent (identity or constant decay)"
    return f"{head}; vs {others}; the exchange is {why}"


def make_plan(info: dict, world: int, seq_len: int, heads: int, sizes: dict, batch: int = 1, schedule=None,
              model: LinkModel | str = "nvlink", state_dtype: str = "float32", shard_lens=None,
              max_blocks: int | None = None, form: str | None = None) -> Plan:
    """A plan from the IR's SP description (lindsl.sp.payload.sp_info or a module's SP_INFO); form forces the
    executor's form (lindsl.sp.payload.sp_form)."""
    if not isinstance(world, int) or world < 1:
        raise ValueError(f"world must be a positive number of ranks, got {world!r}")
    if seq_len < world:
        raise ValueError(f"a sequence of {seq_len} tokens cannot be split over {world} ranks (at least one each)")
    if heads < 1 or batch < 1:
        raise ValueError("heads and batch must be positive")
    if schedule is not None and schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {', '.join(SCHEDULES)}, got {schedule!r}")
    if isinstance(model, str):
        if model not in PROFILES:
            raise ValueError(f"link model must be one of {', '.join(PROFILES)}, got {model!r}")
        model = PROFILES[model]
    elt = {"float32": 4, "float64": 8}.get(state_dtype)
    if elt is None:
        raise ValueError(f"states are float32 or float64, got {state_dtype}")
    cores = core_payloads(info, sizes, batch, heads, elt)
    alts = estimate(cores, world, model, max_blocks)
    auto = choose(alts)
    chosen = schedule or auto
    mS = sum(c.state_bytes for c in cores)
    mA = sum(c.transition_bytes for c in cores)
    form, why = sp_form(info, form)
    tokens = max(shard_lens) if shard_lens else -(-int(seq_len) // world)
    extra = form_cost(info, cores, form, tokens, model) if world > 1 else {}
    return Plan(info["spec"], world, int(seq_len), heads, batch, dict(sizes), state_dtype, cores, mS, mA, chosen,
                schedule is not None, alts[chosen].get("blocks", 1), alts, alts[chosen]["total_s"],
                _reason(alts, chosen, schedule is not None, auto, mS, mA, model, world), asdict(model),
                list(shard_lens or []), form, why, extra, list(info.get("token_shifts", [])))


def plan_spec(source, world: int, seq_len, heads: int, batch: int = 1, sizes: dict | None = None, schedule=None,
              model: LinkModel | str = "nvlink", default_dim: int = 128, default_mem: int = 4,
              form: str | None = None) -> Plan:
    """The plan for a spec (path, library name, .lin text or Spec): dims default to 128 (memory axes to 4); form
    forces the executor's form (lindsl.sp.payload.sp_form)."""
    from ..runtime.op import compile_spec, spec_from
    from .payload import sp_info
    compiled = compile_spec(spec_from(source))
    info = sp_info(compiled.normalized)
    spec = compiled.spec
    mems = {s.ty.mem for s in spec.states if s.ty.mem} | {i.ty.mem for i in spec.inputs if i.ty.mem}
    full = {d: (default_mem if d in mems else default_dim) for d in spec.dims if d not in spec.derived_dims}
    for k, v in (sizes or {}).items():
        if k in spec.derived_dims:
            raise ValueError(f"dim {k} of spec {spec.name} is derived ({k} = {render_poly(spec.derived_dims[k])}): "
                             "give the dims it is made of")
        if k not in full:
            raise ValueError(f"spec {spec.name} has no dim {k!r} (dims: {', '.join(spec.dims)})")
        if not isinstance(v, int) or v < 1:
            raise ValueError(f"dim {k} must be a positive integer, got {v!r}")
        full[k] = v
    full = with_derived(spec.derived_dims, full)
    return make_plan(info, world, parse_count(seq_len), heads, full, batch, schedule, model, form=form)
