"""Sequence parallelism at run time: a generated op on a torch.distributed process group.

    o, S = op(q, k, v, g, sp_group=group)                 # each rank passes its contiguous shard [B, T_r, H, ...]
    o, S = lindsl.sp.run(op, q, k, v, g, group=group, schedule="allscan")

Every rank gets its shard's outputs, and in backward its shard's gradients, equal to the single-device run on the
whole sequence (up to fp32 re-association). Shards may have different lengths (at least one token each).

Two executor forms (lindsl.sp.payload.sp_form); the plan (Plan.form, Plan.form_reason, `lindsl plan`) says which
runs and why. Both compute the same quantities exactly (up to rounding); they differ in what runs before and after
the exchanges. Summary-first is the default for every spec (on 2 H200s it measured faster than LASP-2 where both
apply); FORM = "lasp2" runs the LASP-2 form where it applies.

LASP-2 form (every transition identity, scalar or key-vector, with or without a value-side gate, and outputs
affine in the reads: linear attention, RetNet, Lightning, Mamba-2, GLA, HGRN-2, RWKV-6, SSE-GLA). Per rank r, with
D_t = diag(exp(gk_t)), E_t = diag(exp(gv_t)), S_t = D_t S_(t-1) E_t + sum_p k_tp v_tp^T, cumulative log-gates
G_t = sum_(s<=t) g_s from the shard start, and S_in the state carried in:
  forward  1. the local op from a zero carried state (user initial states where sequences start): outputs o^0
              and final states; B_r = the last segment's final state, A_r = (exp(Gk_T), exp(Gv_T)) from the
              log-gates (nothing for identity or constant decays; 0 where a sequence starts in the shard);
           2. the exchange: S_in = the exclusive scan of (A_j, B_j), j < r (lindsl.sp.scan, the plan's schedule);
           3. the correction on the first segment (the only one the carried state reaches):
              S_t = S_t^0 + D(Gk_t) S_in E(Gv_t), so a read S_t^T x_t gains
              dr_t = exp(Gv_t) * ((x_t * exp(Gk_t)) @ S_in)   (G_(t-1) for reads before the update),
              o_t += eps(dr) - eps(0) (eps: the epilogue, affine in the reads), and its final state += A S_in.
  backward 1. autograd through 1 and 3 with the rank's own cotangents (dO, dE) at once: the local backward,
              plus the corrections' vector-Jacobian products (written out, read_corrections), which give the
              input-gradient terms through S_in's reads and
              G_r = dloss_r/dS_in = sum_t (x_t exp(Gk_t)) (exp(Gv_t) d(dr_t))^T + A^T dE;
           2. the reverse exchange: mu = dloss/dS_end of this shard from the later ranks
              (mu_r = G_(r+1) + A_(r+1)^T mu_(r+1));
           3. the terms linear in mu: the gradient of <mu, S_end> with S_end = sum_t D(Gk'_t) k_t v_t^T E(Gv'_t)
              + A S_0 (Gk'_t = sum_(s>t) gk_s; S_0 = S_in, or the user's initial state where the last
              sequence starts here) with respect to k, v, the gates and S_0 (terminal_grads: two K x V products
              per input and token; its docstring writes out the exact gate-gradient sums).
  Critical path at P = 2: F + comm + c_f (forward), B + comm + c_b (backward), with c_f, c_b the corrections.
  The corrections run as Triton kernels (lindsl.sp.kernels) where the op runs its Triton engine (CUDA, or
  backend="triton" under TRITON_INTERPRET=1), else as PyTorch passes; both evaluate the same explicit formulas.

Summary-first form (every spec; the only one for dense K x K transitions: delta rule, Gated DeltaNet, KDA,
RWKV-7, MoM; or outputs not affine in the reads: linear_attn_normalized). For dense transitions the carried state
reaches token t through the product of the
shard's Householder/DPLR transitions up to t; applying it per token is the WY work the chunk engine does inside its
state pass (about a forward pass), so there is no cheap correction and the pass runs before the exchange:
  forward  1. summary (no autograd): B_r = the state after the shard from zero, A_r = the shard's transition
              product in compact form (module._lindsl_shard_summary) - one extra state pass without reads, plus
              the product (a sum of log-gates; for rank-one factors the chunkwise WY form and a product tree over
              chunks); none on the last rank and no product where a sequence starts in the shard (A_r = 0);
           2. exchange and fold as above;
           3. the local op with initial_state = S_start_r, its autograd graph kept.
  backward the local gradients are linear in (dO, dS_end). G_r = d(loss)/d(S_start_r) from the rank's own
           cotangents: when the outputs are affine in the reads by an adjoint state pass without gradient reads
           (module._lindsl_carry_adjoint, about a third of a backward pass), otherwise by autograd through the
           local graph (a full extra backward pass, which on the last rank doubles as the final one). Then the
           reverse scan, and the local backward with (dO, dS_end_r + mu_r).
  Critical path at P = 2: (1 + s) F + (1 + a) B + 2 comm with s F, a B the summary and adjoint passes.
Gradients reach earlier ranks exactly through the carried cotangent, because S_start_r = S_end_(r-1).

Arguments and results:
  * inputs: this rank's shard of every per-token input; params (per head) and `initial_state` are replicated
    (pass the same on every rank). Their gradients are this rank's contribution: sum (all-reduce) them over the
    ranks, as for any replicated weight, to get the single-device gradient.
  * initial_state: used by the rank where the sequence starts (rank 0; with cu_seqlens, the rank where each
    sequence starts). Ranks that start no sequence may pass None.
  * final state (output_final_state=True): every rank returns the state at the end of its shard; on the last
    rank it is the sequence's final state. With cu_seqlens: a [N, ...] tensor (N sequences) holding the final
    states of the sequences that end on this rank, zero rows for the others (their sum over ranks is the
    single-device result).
  * cu_seqlens: the *global* boundaries of the packed sequences (B = 1), the same tensor on every rank; sequences
    may cross shard boundaries. A sequence start inside a shard resets the carried state (that shard's A is 0).
Every rank must call the op (and its backward) the same number of times. Before any data moves, the ranks
exchange a fixed-size description of their call (spec, shapes, dtypes, schedule, cu_seqlens, options, and any
local error): a mismatch, or an error on one rank, raises SPError on every rank. A dead or hung rank makes the
collectives fail with SPError once the process group's timeout expires (gloo; set it in init_process_group).
With NCCL the process group's watchdog aborts the process after its timeout (set TORCH_NCCL_ASYNC_ERROR_HANDLING
as you need). Specs that read earlier tokens (x[t-n]): each rank takes the previous shard's last n tokens of those
inputs (one all-gather of every rank's tails, the halo) as the local calls' prev_inputs, and the backward sends the
halo's gradients back the same way; every rank but the last must hold at least n tokens. With cu_seqlens the halo
holds only tokens of the sequence that runs into the next shard (zeros before its start).
"""
from __future__ import annotations

import hashlib
import struct
import time
import types

import torch
import torch.distributed as dist

from .payload import sp_form
from .plan import PROFILES, SCHEDULES, LinkModel, Plan, make_plan
from .scan import Comm, ScanSpec, SPError, run_scan

__all__ = ["run", "run_module", "last_plan", "SPError"]

LAST_PLAN: Plan | None = None
# Set to a list to record each call's phase times (seconds; synchronizes the device and puts a barrier before each
# scan, so that "scan" is the exchange itself and "wait" the time spent waiting for the slowest rank). For
# benchmarks; None (the default) adds no synchronization.
TIMINGS: list | None = None
# Set to "lasp2" to run that executor form where it applies (lindsl.sp.payload.lasp2_applies; both forms compute the
# same quantities, benchmarks compare their critical paths). None: the default form (lindsl.sp.payload.sp_form).
FORM: str | None = None

_MAGIC = 0x11D5_5EC0
_META = 128
_ARG_SLOTS = 8  # args whose shapes travel in full; the rest are hashed
_MSG0 = 16 + 7 * _ARG_SLOTS + 1  # first slot of the error message text
_GRAD = _META - 1  # autograd on (every rank must then run the backward)
_SCHED = {None: 0, "allgather": 1, "allscan": 2, "doubling": 3}
_DTYPES = {torch.float32: 1, torch.float64: 2, torch.bfloat16: 3, torch.float16: 4}


def last_plan() -> Plan | None:
    """The plan of the most recent sequence-parallel call in this process."""
    return LAST_PLAN


def run(op, *inputs, group, schedule=None, scale=None, initial_state=None, output_final_state=False,
        cu_seqlens=None, chunk_size=None, backend=None, model=None):
    """Run a compiled op (lindsl.load(...)) sequence-parallel over `group`: see the module docstring."""
    module = op.module if hasattr(op, "module") else op
    return run_module(module, inputs, group=group, schedule=schedule, scale=scale, initial_state=initial_state,
                      output_final_state=output_final_state, cu_seqlens=cu_seqlens, chunk_size=chunk_size,
                      backend=backend, model=model)


def run_module(module, inputs, *, group, schedule=None, scale=None, initial_state=None, output_final_state=False,
               cu_seqlens=None, chunk_size=None, backend=None, model=None):
    """The entry point of the generated op's sp_group= keyword (module: the generated module or its globals())."""
    global LAST_PLAN
    mod = types.SimpleNamespace(**module) if isinstance(module, dict) else module
    if not dist.is_available() or not dist.is_initialized():
        raise SPError("sp_group needs an initialised torch.distributed process group (dist.init_process_group)")
    ex = _Executor(mod, group, tuple(inputs), schedule, scale, initial_state, cu_seqlens, chunk_size, backend, model)
    ex.setup()
    LAST_PLAN = ex.plan
    flat = _SPFunction.apply(ex, *ex.inputs, *ex.inits)
    n_out = len(mod.OUTPUTS)
    outs, fins = flat[:n_out], flat[n_out:]
    out = outs[0] if n_out == 1 else tuple(outs)
    fin = (fins[0] if len(fins) == 1 else tuple(fins)) if output_final_state else None
    return out, fin


class _Phase:
    """Times a phase into ex.times when TIMINGS is a list (see there)."""

    def __init__(self, ex, name, barrier=False):
        self.ex, self.name, self.barrier = ex, name, barrier

    def __enter__(self):
        if self.ex.times is not None:
            _sync(self.ex.device)
            if self.barrier:
                t0 = time.perf_counter()
                dist.barrier(group=self.ex.group)
                _sync(self.ex.device)
                self.ex.times["wait_" + self.name] = self.ex.times.get("wait_" + self.name, 0.0) + (
                    time.perf_counter() - t0)
            self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        if self.ex.times is not None and not exc[0]:
            _sync(self.ex.device)
            self.ex.times[self.name] = self.ex.times.get(self.name, 0.0) + time.perf_counter() - self.t0
        return False


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _hash63(data) -> int:
    return int(hashlib.sha256(repr(data).encode()).hexdigest()[:15], 16)


def _tensor_hash(x) -> int:
    y = x.detach().contiguous().cpu().reshape(-1)
    return int(hashlib.sha256(y.view(torch.uint8).numpy().tobytes()).hexdigest()[:15], 16)


class _Executor:
    """One sequence-parallel call: validation, the metadata exchange, the segmentation of this rank's shard,
    the plan, the summaries and scans. Used by _SPFunction."""

    def __init__(self, mod, group, inputs, schedule, scale, initial_state, cu_seqlens, chunk_size, backend, model):
        self.mod, self.group, self.inputs = mod, group, inputs
        self.schedule, self.scale, self.initial_state = schedule, scale, initial_state
        self.cu_seqlens, self.chunk_size, self.backend, self.model = cu_seqlens, chunk_size, backend, model
        self.info = mod.SP_INFO
        self.form, self.form_reason = sp_form(self.info, FORM)
        self.rank = dist.get_rank(group)
        self.P = dist.get_world_size(group)
        self.inits = ()
        self.gathered = None
        self.shifts = dict(getattr(mod, "SHIFTS", {}))  # shifted input -> its largest shift n (x[t-n])
        self.shift_len = max(self.shifts.values(), default=0)
        self.times = None
        if TIMINGS is not None:
            self.times = {}
            TIMINGS.append(self.times)

    # ------------------------------------------------------------ validation and metadata
    def _local_checks(self):
        mod, info = self.mod, self.info
        if self.schedule not in _SCHED:
            raise ValueError(f"sp_schedule must be one of {', '.join(SCHEDULES)} or None, got {self.schedule!r}")
        if self.model is not None and not (isinstance(self.model, LinkModel) or self.model in PROFILES):
            raise ValueError(f"model must be a LinkModel or one of {', '.join(PROFILES)}, got {self.model!r}")
        names = [d[0] for d in mod.DECLS]
        if len(self.inputs) != len(names):
            raise ValueError(f"expected {len(names)} inputs ({', '.join(names)}), got {len(self.inputs)}")
        args = dict(zip(names, self.inputs))
        sizes, B, T, H = mod.bind_dims(mod.DECLS, args, derived=mod.DERIVED_DIMS)
        ref = self.inputs[0]
        backend_name = dist.get_backend(self.group)
        if backend_name == "nccl" and not ref.is_cuda:
            raise ValueError("an NCCL process group needs CUDA tensors")
        if backend_name == "gloo" and ref.is_cuda:
            raise ValueError("a gloo process group exchanges CPU tensors; use an NCCL group for CUDA tensors")
        if T < 1:
            raise ValueError("every rank needs at least one token of the sequence (T >= 1)")
        self.sizes, self.B, self.T, self.H = sizes, B, T, H
        self.dtype = torch.float64 if ref.dtype == torch.float64 else torch.float32
        self.device = ref.device
        self.use_triton = mod.pick_backend(ref, self.backend) == "triton"  # the corrections' kernels (LASP-2 form)
        self.comm_device = ref.device
        self.bounds = None
        if self.cu_seqlens is not None:
            cu = self.cu_seqlens
            if not torch.is_tensor(cu) or cu.dim() != 1 or cu.dtype.is_floating_point:
                raise ValueError("cu_seqlens must be a 1-D integer tensor of global sequence boundaries")
            if B != 1:
                raise ValueError(f"with cu_seqlens the batch size must be 1 (packed sequences), got B={B}")
            self.bounds = [int(x) for x in cu.tolist()]
            b = self.bounds
            if len(b) < 2 or b[0] != 0 or any(x >= y for x, y in zip(b, b[1:])):
                raise ValueError(f"cu_seqlens must rise strictly from 0 (no empty sequences), got {b}")
        inits = mod._initial_states(self.initial_state)
        for i, st in enumerate(inits):
            if st is not None and not torch.is_tensor(st):
                raise ValueError(f"initial_state for state '{mod.STATES[i]}' must be a tensor or None")
        self.inits = tuple(inits)
        self.grad = torch.is_grad_enabled() and any(
            torch.is_tensor(x) and x.requires_grad for x in list(self.inputs) + list(self.inits))

    def _meta(self, err: str | None) -> list[int]:
        m = [0] * _META
        m[0] = _MAGIC
        m[1] = int(self.mod.SPEC_HASH[:15], 16)
        if err is not None:
            m[14] = 1
            data = err.encode("utf-8", "replace")[:8 * (_GRAD - _MSG0)]
            m[15] = len(data)
            for j in range(0, len(data), 8):
                m[_MSG0 + j // 8] = int.from_bytes(data[j:j + 8].ljust(8, b"\0"), "little", signed=True)
            return m
        m[2] = _SCHED[self.schedule]
        m[_GRAD] = int(self.grad)
        m[_MSG0] = _hash63(repr(self.model))  # the cost model decides the schedule and blocks: it must agree
        m[3] = self.T
        m[4], m[5] = self.B, self.H
        m[6] = _DTYPES.get(self.inputs[0].dtype, 9)
        m[7] = int(self.bounds is not None)
        m[8] = _hash63(self.bounds) if self.bounds is not None else 0
        m[9] = int(any(x is not None for x in self.inits))
        m[10] = _hash63([None if x is None else (tuple(x.shape), str(x.dtype)) for x in self.inits])
        m[11] = len(self.inputs)
        params = [x for x, d in zip(self.inputs, self.mod.DECLS) if d[1] == "param"]
        m[12] = _hash63([_tensor_hash(p) for p in params])
        m[13] = -1 if self.scale is None else struct.unpack("<q", struct.pack("<d", float(self.scale)))[0]
        shapes = []
        for x, d in zip(self.inputs, self.mod.DECLS):
            shp = list(x.shape)
            if d[1] == "input":
                shp[1] = -1  # the shard length may differ per rank
            shapes.append(shp)
        for j, shp in enumerate(shapes[:_ARG_SLOTS]):
            m[16 + 7 * j] = len(shp)
            for q, n in enumerate(shp[:6]):
                m[17 + 7 * j + q] = n
        m[16 + 7 * _ARG_SLOTS] = _hash63([shapes[_ARG_SLOTS:], [s[6:] for s in shapes],
                                          [str(x.dtype) for x in self.inputs], self.chunk_size or 0])
        return m

    def setup(self):
        err = None
        try:
            self._local_checks()
        except Exception as e:  # noqa: BLE001 - reported to every rank below
            err = f"{type(e).__name__}: {e}"
            self.comm_device = torch.device("cuda", torch.cuda.current_device()) if (
                dist.get_backend(self.group) == "nccl") else torch.device("cpu")
        if err is None and dist.get_backend(self.group) == "nccl":
            self.comm_device = self.inputs[0].device
        mine = torch.tensor(self._meta(err), dtype=torch.int64, device=self.comm_device)
        allm = torch.empty(self.P * _META, dtype=torch.int64, device=self.comm_device)
        Comm(self.group, range(self.P)).all_gather(allm, mine, "metadata exchange")
        metas = allm.reshape(self.P, _META).cpu().tolist()
        problem = check_metas(metas, [d[0] for d in self.mod.DECLS], self.rank)
        if problem:
            raise SPError(problem)
        self._segment([m[3] for m in metas], [bool(m[9]) for m in metas])
        profile = self.model or ("gloo" if dist.get_backend(self.group) == "gloo" else
                                 ("nvlink" if self.P <= 8 else "ib"))
        rows_batch = 1 if self.bounds is not None else self.B
        state_dtype = "float64" if self.dtype == torch.float64 else "float32"
        self.plan = make_plan(self.info, self.P, self.total, self.H, self.sizes, rows_batch, self.schedule,
                              PROFILES[profile] if isinstance(profile, str) else profile, state_dtype, self.lens,
                              form=self.form)

    def _segment(self, lens, has_init):
        """Where this rank's shard lies in the packed sequence(s): its segments, which sequences start and end
        here, whether a state is carried in, and every rank's reset flag (a sequence starts in its shard)."""
        self.lens = lens
        self.total = sum(lens)
        short = [j for j, n in enumerate(lens[:-1]) if n < self.shift_len]
        if short:
            raise SPError(f"spec {self.info['spec']} reads earlier tokens (up to x[t-{self.shift_len}]): every rank "
                          f"but the last must hold at least {self.shift_len} tokens, the next rank's halo; rank "
                          f"{short[0]} holds {lens[short[0]]}")
        starts = [sum(lens[:j]) for j in range(self.P)]
        bounds = self.bounds if self.bounds is not None else [0, self.total]
        if bounds[-1] != self.total:
            raise SPError(f"cu_seqlens ends at {bounds[-1]} but the shards hold {self.total} tokens "
                          f"({' + '.join(map(str, lens))})")
        bset = set(bounds[:-1])
        self.resets = [any(s <= c < s + n for c in bounds[:-1]) for s, n in zip(starts, lens)]
        any_init = any(has_init)
        for j in range(self.P):
            owns = [c for c in bounds[:-1] if starts[j] <= c < starts[j] + lens[j]]
            if any_init and owns and not has_init[j]:
                raise SPError(f"initial_state is given on some ranks but not on rank {j}, where a sequence starts "
                              f"(at token {owns[0]}); pass the same initial_state on every rank")
        s = starts[self.rank]
        e = s + lens[self.rank]
        self.s, self.e = s, e
        n0 = max(n for n, c in enumerate(bounds[:-1]) if c <= s)
        self.local_bounds = [0] + [c - s for c in bounds if s < c < e] + [e - s]
        nseg = len(self.local_bounds) - 1
        self.seqs = list(range(n0, n0 + nseg))
        self.first_continues = s not in bset
        self.last_continues = bounds[self.seqs[-1] + 1] > e
        self.ends_here = [bounds[n + 1] <= e for n in self.seqs]
        self.reset = self.resets[self.rank]

    # ------------------------------------------------------------ summaries and scans
    def cores_meta(self, summ):
        cores = []
        for c, sm in zip(self.info["cores"], summ):
            fin = sm["final"]
            vec = c["value"] is None
            K = fin.shape[-1] if vec else fin.shape[-2]
            V = 1 if vec else fin.shape[-1]
            N = fin.numel() // (K * V)
            gk0 = sm["gk0"].reshape(N, -1)[:, :] if sm["gk0"] is not None else None
            if gk0 is not None and c["left"] == "scalar":
                gk0 = gk0.reshape(N)
            gv0 = sm["gv0"].reshape(N, V) if sm["gv0"] is not None else None
            cores.append(dict(left=c["left"], right=c["right"], constant=c["constant"], N=N, K=K, V=V,
                              gk0=gk0 if c["constant"] else None, gv0=gv0 if c["constant"] else None))
        return cores

    def _shard_map(self, c, N, K, V, skip, product):
        """(L, R) of one state's shard map in compact form: none for a constant transition (the scan derives it
        from the shard lengths), the cut map where a sequence starts in the shard or the carried state is not
        needed (skip: the last rank), else product(), the shard's transition product."""
        if c["constant"]:
            return None, None
        if self.reset or skip:
            return self._cut_map(c, N, K, V)
        L, R = product()
        return (None if L is None else L.to(self.dtype)), (None if R is None else R.to(self.dtype))

    def _cut_map(self, c, N, K, V):
        """(L, R) of a shard the carried state does not cross (a sequence starts in it): L R = 0 in compact form."""
        L = None if c["left"] == "none" else torch.zeros(_left_shape(c["left"], N, K), dtype=self.dtype,
                                                         device=self.device)
        R = None if c["right"] == "none" else (
            torch.zeros(N, V, dtype=self.dtype, device=self.device) if L is None else
            torch.ones(N, V, dtype=self.dtype, device=self.device))
        return L, R

    def summary(self, inputs, inits, prev=None):
        """(Ls, Rs, Bs) of this shard (engine rows), and the ScanSpec; prev: the halo (token shifts)."""
        mod = self.mod
        lo = self.local_bounds[-2]
        # the last rank's map is never used (forward: no rank after it; backward: it is applied to zero), so it
        # computes no summary: one token gives the shapes and the per-step gates of constant cores
        skip = self.rank == self.P - 1 and self.P > 1
        hi = lo + 1 if skip else None
        xs = [x if d[1] == "param" or (lo == 0 and hi is None) else x[:, lo:hi] for x, d in zip(inputs, mod.DECLS)]
        last = self.seqs[-1]
        starts_here = lo > 0 or not self.first_continues
        init = None
        if starts_here and not skip and any(x is not None for x in inits):
            init = tuple(None if x is None else (x[last:last + 1] if self.bounds is not None else x) for x in inits)
            init = init if len(init) > 1 else init[0]
        summ = mod._lindsl_shard_summary(*xs, scale=self.scale, initial_state=init, chunk_size=self.chunk_size,
                                         backend=self.backend, transition=not (self.reset or skip),
                                         prev_inputs=(prev or None) if lo == 0 else None)
        cores = self.cores_meta(summ)
        Ls, Rs, Bs = [], [], []
        for c, sm in zip(cores, summ):
            N, K, V = c["N"], c["K"], c["V"]
            B = sm["final"].reshape(N, K, V).to(self.dtype)
            Bs.append(torch.zeros_like(B) if skip else B)
            L, R = self._shard_map(c, N, K, V, skip, lambda: (
                None if sm["L"] is None else sm["L"].reshape(_left_shape(c["left"], N, K)),
                None if sm["R"] is None else sm["R"].reshape(N, V)))
            Ls.append(L)
            Rs.append(R)
        self.scan_spec = ScanSpec(cores, self.lens, self.resets, self.dtype, self.comm_device)
        return Ls, Rs, Bs

    def scan(self, Ls, Rs, Bs, reverse=False):
        order = list(range(self.P))[::-1] if reverse else list(range(self.P))
        comm = Comm(self.group, order)
        X, gathered = run_scan(self.plan.schedule, self.scan_spec, comm, Ls, Rs, Bs, reverse=reverse,
                               blocks=self.plan.blocks, gathered=self.gathered if reverse else None)
        if not reverse and gathered is not None:
            self.gathered = gathered
        return X

    # ------------------------------------------------------------ token shifts: the halo
    def _tails(self, tensors):
        """Every rank's tensors (one per shifted input, in SHIFTS order), all-gathered through one flat buffer in
        the state dtype: a list per rank."""
        flat = torch.cat([t.detach().to(self.dtype).reshape(-1) for t in tensors])
        out = torch.empty(self.P * flat.numel(), dtype=self.dtype, device=self.comm_device)
        Comm(self.group, range(self.P)).all_gather(out, flat.to(self.comm_device), "token-shift halo exchange")
        parts = []
        for r in range(self.P):
            chunk, pos = out[r * flat.numel():(r + 1) * flat.numel()], 0
            mine = []
            for t in tensors:
                mine.append(chunk[pos:pos + t.numel()].reshape(t.shape).to(device=t.device, dtype=t.dtype).clone())
                pos += t.numel()
            parts.append(mine)
        return parts

    def _tail_mask(self, x, n):
        """1 for this shard's last n tokens that belong to the sequence running into the next shard, 0 for those
        before its start (packed sequences): what the next rank may read through its shifts."""
        bounds = self.bounds if self.bounds is not None else [0, self.total]
        start = max(c for c in bounds[:-1] if c <= self.e) if self.e < self.total else 0
        pos = torch.arange(self.e - n, self.e, device=x.device)
        return (pos >= start).to(x.dtype).reshape((1, n) + (1,) * (x.dim() - 2))

    def halo(self, inputs):
        """{shifted input: the previous rank's last n tokens} (prev_inputs of this rank's first segment; empty on
        rank 0, where a sequence starts at the shard, and for specs without token shifts). One all-gather of every
        rank's tails, each masked to the sequence that runs into the next shard."""
        if not self.shifts:
            return {}
        args = {d[0]: x for x, d in zip(inputs, self.mod.DECLS)}
        last = self.mod._next_prev_inputs(args, {}, self.B)  # the op's own: last n tokens, zeros in front
        tails = self._tails([last[name] * self._tail_mask(last[name], n) for name, n in self.shifts.items()])
        return dict(zip(self.shifts, tails[self.rank - 1])) if self.first_continues else {}

    def halo_grads(self, leaves_in, grads, halo_grads):
        """The inputs' gradients plus, on each shifted input's last n tokens, the next rank's gradient of its
        halo (the collective runs on every rank)."""
        if not self.shifts:
            return grads
        names = [d[0] for d in self.mod.DECLS]
        mine = []
        for name, n in self.shifts.items():
            x = leaves_in[names.index(name)]
            g = halo_grads.get(name)
            mine.append(x.new_zeros((x.shape[0], n) + tuple(x.shape[2:])) if g is None else g)
        got = self._tails(mine)
        if self.rank == self.P - 1:
            return grads
        grads = list(grads)
        for name, n, g in zip(self.shifts, self.shifts.values(), got[self.rank + 1]):
            i = names.index(name)
            if grads[i] is not None:
                g = (g * self._tail_mask(g, n)).to(grads[i].dtype)
                grads[i] = torch.cat([grads[i][:, :-n], grads[i][:, -n:] + g], 1)
        return grads

    # ------------------------------------------------------------ LASP-2 form
    def forms(self, inputs, lo, hi, prev=None):
        """The module's canonical tensors and epilogue (module._lindsl_sp_forms) of local tokens [lo, hi) (one
        segment: one piece of one sequence), under the caller's autograd mode; prev: the halo (token shifts) of
        a segment at the shard's start."""
        args = {d[0]: (x if d[1] == "param" or (lo == 0 and hi is None) else x[:, lo:hi])
                for x, d in zip(inputs, self.mod.DECLS)}
        return self.mod._lindsl_sp_forms(args, self.scale, prev_inputs=(prev or None) if lo == 0 else None)

    def lasp2_maps(self, fcores, fins, skip):
        """(Ls, Rs, Bs) of this shard from the local forward's final states (B_r: the last segment's, from zero
        or from the user's initial state where its sequence starts here) and the last segment's log-gates
        (A_r = exp of their sums: engine.transition_product without rank-one factors); sets the ScanSpec."""
        metas, Ls, Rs, Bs = [], [], [], []
        for c, cr, fin in zip(self.info["cores"], fcores, fins):
            K, V = cr["K"], cr["V"]
            B = (fin[-1:] if self.bounds is not None else fin).detach().reshape(-1, K, V).to(self.dtype)
            N = B.shape[0]
            gk, gv = cr["gk"], cr["gv"]
            gk0 = None if gk is None else gk[:, 0].detach().reshape((N,) if c["left"] == "scalar" else (N, -1))
            gv0 = None if gv is None else gv[:, 0].detach().reshape(N, V)
            metas.append(dict(left=c["left"], right=c["right"], constant=c["constant"], N=N, K=K, V=V,
                              gk0=gk0 if c["constant"] else None, gv0=gv0 if c["constant"] else None))
            Bs.append(torch.zeros_like(B) if skip else B)
            L, R = self._shard_map(c, N, K, V, skip, lambda: self.mod.transition_product(
                None if gk is None else gk.detach(), None if gv is None else gv.detach(), None, None))
            Ls.append(L)
            Rs.append(R)
        self.scan_spec = ScanSpec(metas, self.lens, self.resets, self.dtype, self.comm_device)
        return Ls, Rs, Bs

    # ------------------------------------------------------------ the local op
    def local_call(self, inputs, carries, inits, prev=None):
        """The local op with the carried state (first segment), the user's initial states (sequences that start
        here) and the halo of token shifts (prev). Returns (outs tuple, fins tuple) with fins per local segment."""
        mod = self.mod
        local_init = []
        for i, (carry, user) in enumerate(zip(carries, inits)):
            if self.bounds is None:
                local_init.append(carry if self.first_continues else user)
                continue
            parts = [carry] if self.first_continues else []
            new = self.seqs[1:] if self.first_continues else self.seqs
            if new:
                if user is not None:
                    parts += [user[new[0]:new[-1] + 1]]
                elif parts and carry is not None:
                    parts += [torch.zeros((len(new),) + tuple(carry.shape[1:]), dtype=carry.dtype,
                                          device=carry.device)]
            if self.first_continues and carry is None:  # a zero carry (LASP-2's local pass)
                parts = [torch.zeros_like(parts[1][:1]), parts[1]] if len(parts) > 1 else []
            local_init.append(torch.cat(parts, 0) if len(parts) > 1 else (parts[0] if parts else None))
        init_arg = None
        if any(x is not None for x in local_init):
            init_arg = tuple(local_init) if len(local_init) > 1 else local_init[0]
        cu = None
        if self.bounds is not None:
            cu = torch.tensor(self.local_bounds, dtype=self.cu_seqlens.dtype, device=self.cu_seqlens.device)
        out, fin = mod.op(*inputs, scale=self.scale, initial_state=init_arg, output_final_state=True,
                          cu_seqlens=cu, chunk_size=self.chunk_size, backend=self.backend, prev_inputs=prev or None)
        outs = out if isinstance(out, tuple) else (out,)
        fins = fin if isinstance(fin, tuple) else (fin,)
        return outs, fins

    def carry_adjoint(self, inputs, dO, dE, prev=None):
        """d(loss)/d(carried state) from this rank's own cotangents, over the first local segment (the only one the
        carried state enters), by the module's adjoint state pass (outputs affine in the reads)."""
        end = self.local_bounds[1]
        xs = [x.detach() if d[1] == "param" else x.detach()[:, :end] for x, d in zip(inputs, self.mod.DECLS)]
        d_out = tuple(d[:, :end] for d in dO)
        d_fin = tuple(e if self.bounds is None else e[:1] for e in dE)
        return self.mod._lindsl_carry_adjoint(*xs, d_outputs=d_out, d_final_states=d_fin, scale=self.scale,
                                              chunk_size=self.chunk_size, backend=self.backend,
                                              prev_inputs=prev or None)

    def user_finals(self, fins):
        """What the caller gets as final states (see the module docstring)."""
        if self.bounds is None:
            return [f.detach() for f in fins]
        out = []
        n_seq = len(self.bounds) - 1
        for f in fins:
            full = torch.zeros((n_seq,) + tuple(f.shape[1:]), dtype=f.dtype, device=f.device)
            for j, n in enumerate(self.seqs):
                if self.ends_here[j]:
                    full[n] = f[j].detach()
            out.append(full)
        return out

    def finals_cotangent(self, dF, fins):
        """Cotangents of the local per-segment final states from those of the returned final states."""
        out = []
        for d, f in zip(dF, fins):
            if self.bounds is None:
                out.append(torch.zeros_like(f) if d is None else d.to(f.dtype))
                continue
            g = torch.zeros_like(f)
            if d is not None:
                for j, n in enumerate(self.seqs):
                    if self.ends_here[j]:
                        g[j] = d[n].to(f.dtype)
            out.append(g)
        return out


class _SPFunction(torch.autograd.Function):
    """Outputs and final states of this rank's shard; see the module docstring for the two forms."""

    @staticmethod
    def forward(ctx, ex: _Executor, *flat):
        inputs, inits = flat[:len(ex.inputs)], flat[len(ex.inputs):]
        ctx.ex = ex
        if ex.form == "lasp2":
            return _forward_lasp2(ctx, ex, inputs, inits)
        return _forward_summary(ctx, ex, inputs, inits)

    @staticmethod
    def backward(ctx, *grads):
        if ctx.ex.form == "lasp2":
            return _backward_lasp2(ctx, *grads)
        return _backward_summary(ctx, *grads)


# ------------------------------------------------------------------ LASP-2 (diagonal transitions)
def _cumsum_time(g, block=64):
    """Inclusive cumulative sum along time (dim 1) of [N, T, ...], in blocks: sums within blocks of `block` tokens,
    then over the block totals. Same values as torch.cumsum(g, 1) up to fp rounding, but on CUDA a scan along an
    outer dimension runs one serial thread per column: over T = 32K tokens that took ~10 ms per call on the H200
    (the LASP-2 corrections' cost in the first 2-GPU run), the blocked form a few hundred microseconds."""
    N, T = g.shape[:2]
    if T <= block:
        return torch.cumsum(g, 1)
    pad = (-T) % block
    x = torch.cat([g, g.new_zeros((N, pad) + tuple(g.shape[2:]))], 1) if pad else g
    x = x.reshape((N, (T + pad) // block, block) + tuple(g.shape[2:]))
    local = torch.cumsum(x, 2)
    tot = local[:, :, -1]
    offset = torch.cumsum(tot, 1) - tot
    return (local + offset[:, :, None]).reshape((N, T + pad) + tuple(g.shape[2:]))[:, :T]


def _cums(g):
    """(inclusive, exclusive) cumulative sums of log-gates [N, T, ...] along time: G_t = sum_{s<=t} g_s and
    sum_{s<t} g_s (from the segment start)."""
    inc = _cumsum_time(g)
    return inc, torch.cat([torch.zeros_like(g[:, :1]), inc[:, :-1]], 1)


def _rcums(g, inclusive=False):
    """Reverse cumulative sums sum_{s>t} g_s (sum_{s>=t} when inclusive) along time (summed from the end: accurate
    near the end, where the terms of B_r weigh most)."""
    r = torch.flip(_cumsum_time(torch.flip(g, [1])), [1])
    return r if inclusive else torch.cat([r[:, 1:], torch.zeros_like(g[:, :1])], 1)


def _exp_gates(g, before):
    """exp of the cumulative log-gates of reads after (inclusive sums) or before (exclusive) the update."""
    return None if g is None else _cums(g)[1 if before else 0].exp()


def _read_torch(x, gk, gv, S, before):
    """One read's correction exp(Gv_t) * ((x_t * exp(Gk_t)) @ S) in PyTorch passes (read_corrections)."""
    ek, ev = _exp_gates(gk, before), _exp_gates(gv, before)
    r = (x if ek is None else x * (ek[..., None] if gk.dim() == 2 else ek)) @ S
    return r if ev is None else r * ev


def _read_vjp_torch(x, gk, gv, S, dr, before, need):
    """(dx, dgk, dgv, dS) of _read_torch: read_corrections' docstring, in fp32/fp64 PyTorch passes."""
    ek, ev = _exp_gates(gk, before), _exp_gates(gv, before)
    if ek is not None and gk.dim() == 2:
        ek = ek[..., None]
    u = dr if ev is None else dr * ev
    xe = x if ek is None else x * ek
    y = u @ S.transpose(1, 2)
    dx = y if ek is None else ek * y
    dgk = dgv = dS = None
    if gk is not None and need[1]:
        h = xe * y
        dgk = _rcums(h.sum(-1) if gk.dim() == 2 else h, inclusive=not before)
    if gv is not None and need[2]:
        dgv = _rcums(u * (xe @ S), inclusive=not before)
    if need[3]:
        dS = xe.transpose(1, 2) @ u
    return (dx if need[0] else None), dgk, dgv, dS


class _ReadCorrection(torch.autograd.Function):
    """One read's correction exp(Gv_t) * ((x_t * exp(Gk_t)) @ S) with its vector-Jacobian products written out
    (read_corrections); Triton kernels (lindsl.sp.kernels) or PyTorch passes, no autograd graph inside."""

    @staticmethod
    def forward(ctx, x, gk, gv, S, before, use_triton):
        ctx.save_for_backward(x, gk, gv, S)
        ctx.before, ctx.use_triton = before, use_triton
        if use_triton:
            from . import kernels
            return kernels.read_correction(x, gk, gv, S, before)
        return _read_torch(x, gk, gv, S, before)

    @staticmethod
    def backward(ctx, dr):
        x, gk, gv, S = ctx.saved_tensors
        need = ctx.needs_input_grad[:4]
        if ctx.use_triton:
            from . import kernels
            grads = kernels.read_correction_vjp(x, gk, gv, S, dr.contiguous(), ctx.before, need)
        else:
            grads = _read_vjp_torch(x, gk, gv, S, dr, ctx.before, need)
        return (*grads, None, None)


def read_corrections(core, S, use_triton=False):
    """What the carried state S = S_in [N, K, V] adds to each read of one segment (engine layout [N, T, V]):
    S_t = S_t^0 + diag(exp(Gk_t)) S diag(exp(Gv_t)) for diagonal transitions, so a read S_t^T x_t ("after") or
    S_{t-1}^T x_t ("before") gains exp(Gv) * ((x_t * exp(Gk)) @ S) with the inclusive (after) or exclusive
    (before) cumulative log-gates. One fused pass per read (use_triton) or a few PyTorch passes.

    Its vector-Jacobian products for a read cotangent dr_t (from the epilogue), with y_t = S (exp(Gv_t) * dr_t),
    computed explicitly by _ReadCorrection.backward:
        d/dS = sum_t (x_t * exp(Gk_t)) (exp(Gv_t) * dr_t)^T        (part of G_r, sent in the reverse exchange)
        d/dx_t = exp(Gk_t) * y_t,   d/dgk_s = sum_{t >= s} x_t * exp(Gk_t) * y_t   (t > s for "before" reads)
        d/dgv_s = sum_{t >= s} exp(Gv_t) * dr_t * (S^T (exp(Gk_t) * x_t))            (likewise)"""
    return [_ReadCorrection.apply(x, core["gk"], core["gv"], S.to(x.dtype), timing == "before", use_triton)
            for x, timing in zip(core["xs"], core["timings"])]


def end_correction(core, S):
    """A S: what the state S at a segment's start contributes to its final state, exp(Gk_T) S exp(Gv_T)."""
    gk, gv = core["gk"], core["gv"]
    y = S
    if gk is not None:
        G = gk.sum(1)
        y = y * (G.exp()[:, None, None] if G.dim() == 1 else G.exp()[:, :, None])
    if gv is not None:
        y = y * gv.sum(1).exp()[:, None, :]
    return y


def terminal_grads(core, mu, S0):
    """The gradient of <mu, S_T> for one segment with respect to its canonical tensors (mu, the cotangent of its
    final state, held fixed): S_T = sum_t sum_p diag(exp(Gk'_t)) k_tp v_tp^T diag(exp(Gv'_t)) + A S0 with the
    reverse exclusive sums Gk'_t = sum_{s>t} gk_s (Gv' likewise) and S0 the state at the segment start (None:
    zero). Returns {"k", "v", "gk", "gv", "S0": gradient or None}: the part of the input gradients linear in mu.
    With k'_tp = exp(Gk'_t) * k_tp, v'_tp = exp(Gv'_t) * v_tp:
        dk_tp = exp(Gk'_t) * (mu v'_tp),   dv_tp = exp(Gv'_t) * (mu^T k'_tp),   dS0 = A^T mu
    and, with h_t = sum_p k_tp * dk_tp in R^K and w_t = sum_p v_tp * dv_tp in R^V (Gk'_t holds gk_s iff t < s),
        d/dgk_s = sum_{t<s} h_t + exp(Gk_T) * rowsum(S0 * mu * exp(Gv_T))
        d/dgv_s = sum_{t<s} w_t + exp(Gv_T) * colsum(S0 * mu * exp(Gk_T))
    (a scalar gate: the key-vector formula summed over K). Two batched products and a few PyTorch passes on every
    device: a fused Triton pass measured slower on the H200 (6.8 vs 4.4 ms at 32K tokens, H=16, D=128;
    benchmarks/RESULTS.md) and was removed. tests/test_sp.py checks them against autograd and the recurrence."""
    gk, gv, k, v = core["gk"], core["gv"], core["k"], core["v"]
    mu = mu.to(k.dtype if k is not None else mu.dtype)
    out = dict(k=None, v=None, gk=None, gv=None, S0=None)
    const_k = const_v = None
    if S0 is not None:
        dS0 = end_correction(core, mu)  # A is diagonal on both sides: A^T mu = A mu
        out["S0"] = dS0
        m = S0.to(mu.dtype) * dS0
        const_k = None if gk is None else (m.sum((1, 2)) if gk.dim() == 2 else m.sum(2))
        const_v = None if gv is None else m.sum(1)
    if k is None or not k.shape[2]:
        out["gk"] = None if const_k is None else const_k[:, None].expand(gk.shape).contiguous()
        out["gv"] = None if const_v is None else const_v[:, None].expand(gv.shape).contiguous()
        return out
    N, T, P, K = k.shape
    ek = None if gk is None else _rcums(gk).exp()
    ek = None if ek is None else (ek[:, :, None, None] if gk.dim() == 2 else ek[:, :, None, :])
    ev = None if gv is None else _rcums(gv).exp()[:, :, None, :]
    kt = k if ek is None else k * ek
    vt = v if ev is None else v * ev
    mv = (vt.reshape(N, T * P, -1) @ mu.transpose(1, 2)).reshape(k.shape)
    mk = (kt.reshape(N, T * P, K) @ mu).reshape(v.shape)
    out["k"] = mv if ek is None else mv * ek
    out["v"] = mk if ev is None else mk * ev
    if gk is not None:
        h = (k * out["k"]).sum(2)
        out["gk"] = _cums(h.sum(-1) if gk.dim() == 2 else h)[1]
        out["gk"] = out["gk"] if const_k is None else out["gk"] + const_k[:, None]
    if gv is not None:
        w = (v * out["v"]).sum(2)
        out["gv"] = _cums(w)[1] if const_v is None else _cums(w)[1] + const_v[:, None]
    return out


def _add_front(o, d):
    """o with d added to its first d.shape[1] tokens."""
    d = d.to(o.dtype)
    if d.shape[1] == o.shape[1]:
        return o + d
    return torch.cat([o[:, :d.shape[1]] + d, o[:, d.shape[1]:]], 1)


def _forward_lasp2(ctx, ex: _Executor, inputs, inits):
    """Local forward from zero (outputs o^0, final states incl. B_r), A_r from the log-gates, the exchange, then
    o += epilogue-linear(read_corrections(S_in)) on the first segment and its final state += A S_in."""
    grad = ex.grad
    mode = torch.enable_grad if grad else torch.no_grad
    n = len(ex.info["cores"])
    halo = ex.halo(inputs)
    if grad:
        leaves_in = [x.detach().requires_grad_(x.requires_grad) for x in inputs]
        leaves_init = [None if x is None else x.detach().requires_grad_(x.requires_grad) for x in inits]
        halo = {k: v.requires_grad_(True) for k, v in halo.items()}
    else:
        leaves_in, leaves_init = list(inputs), list(inits)
    ctx.halo = halo
    end, lo = ex.local_bounds[1], ex.local_bounds[-2]
    skip = ex.rank == ex.P - 1 and ex.P > 1
    with _Phase(ex, "local_fwd"):
        with mode():
            outs, fins = ex.local_call(leaves_in, [None] * n, leaves_init, halo)
            first = ex.forms(leaves_in, 0, end if end < ex.T else None, halo) if ex.first_continues else None
        same = first is not None and lo == 0  # one segment: the last is the first
        terminal = grad and ex.last_continues and ex.P > 1  # the backward will need <mu, S_end>'s graph
        if same:
            last = first
        elif terminal:  # kept for the backward's terms in mu (no recomputation after the reverse exchange)
            with torch.enable_grad():
                last = ex.forms(leaves_in, lo, None, halo)
        else:  # the last segment's gates (only the first token's where its map is not needed)
            with torch.no_grad():
                last = ex.forms(inputs, lo, lo + 1 if (skip or ex.reset) else None, halo)
        with torch.no_grad():
            Ls, Rs, Bs = ex.lasp2_maps(last[4], fins, skip)
    ctx.Ls, ctx.Rs = Ls, Rs
    with _Phase(ex, "scan_fwd", barrier=True):
        with torch.no_grad():
            X = ex.scan(Ls, Rs, Bs)
    carry_leaves = [None] * n
    outs, fins = list(outs), list(fins)
    with _Phase(ex, "correction_fwd"):
        if ex.first_continues:
            with mode():
                carry_leaves = [x.detach().requires_grad_(grad) for x in X]
                cores, epilogue = first[4], first[5]
                dr = [read_corrections(c, S, ex.use_triton) for c, S in zip(cores, carry_leaves)]
                zero = [[torch.zeros_like(r) for r in rs] for rs in dr]
                # the epilogue is affine in the reads: its linear part applied to the read corrections
                for j, (a, b) in enumerate(zip(epilogue(dr), epilogue(zero))):
                    outs[j] = _add_front(outs[j], a - b)
                for i, (c, S) in enumerate(zip(cores, carry_leaves)):
                    f = fins[i]
                    if ex.bounds is None:
                        fins[i] = f + end_correction(c, S).reshape(f.shape).to(f.dtype)
                    else:
                        fins[i] = torch.cat([f[:1] + end_correction(c, S).reshape(f[:1].shape).to(f.dtype), f[1:]])
    if grad:
        ctx.graph = (outs, fins, leaves_in, leaves_init, carry_leaves)
        ctx.last, ctx.same = last, same
    user_fins = ex.user_finals(fins)
    return tuple(o.detach() for o in outs) + tuple(user_fins)


def _local_cotangents(ex: _Executor, outs, fins, grads):
    """The local graph's roots (outputs, final states) and their cotangents from the op's incoming gradients:
    dO (zeros for outputs without one) and dE (the final states', through the user's finals)."""
    n_out = len(outs)
    dO = [torch.zeros_like(o) if g is None else g for g, o in zip(grads[:n_out], outs)]
    return list(outs) + list(fins), dO, ex.finals_cotangent(grads[n_out:], fins)


def _backward_lasp2(ctx, *grads):
    """Local backward with the rank's own cotangents at once (it also gives G_r = d(own loss)/dS_in through the
    forward corrections), the reverse exchange (mu = the cotangent of this shard's end state from later ranks),
    then the gradient of <mu, S_end> (terminal_grads): the terms linear in mu."""
    ex = ctx.ex
    outs, fins, leaves_in, leaves_init, carry_leaves = ctx.graph
    roots, dO, dE = _local_cotangents(ex, outs, fins, grads)
    wants = _wants(leaves_in + leaves_init, ctx.halo)
    carry = [c for c in carry_leaves if c is not None]
    terminal = ex.last_continues and ex.P > 1 and bool(wants)
    reuse = terminal and ctx.same
    with _Phase(ex, "local_bwd"):
        got = _grad(roots, wants + carry, dO + dE, retain=reuse)
    g_in, gc = got[:len(wants)], got[len(wants):]
    cores = ex.scan_spec.cores
    G = [torch.zeros(c["N"], c["K"], c["V"], dtype=ex.dtype, device=ex.comm_device) for c in cores]
    if carry:
        G = [torch.zeros_like(z) if g is None else g.reshape(z.shape).to(ex.dtype) for g, z in zip(gc, G)]
    with _Phase(ex, "scan_bwd", barrier=True):
        mu = ex.scan(ctx.Ls, ctx.Rs, G, reverse=True)
    with _Phase(ex, "correction_bwd"):
        if terminal:
            pairs = []
            for i, (cr, m) in enumerate(zip(ctx.last[4], mu)):
                if reuse:
                    S0 = carry_leaves[i].detach()
                else:  # the last sequence starts here: from the user's initial state (or zero)
                    init = leaves_init[i]
                    with torch.enable_grad():
                        S0 = None if init is None else (init[ex.seqs[-1]:ex.seqs[-1] + 1] if ex.bounds is not None
                                                        else init)
                        S0 = None if S0 is None else S0.reshape(-1, cr["K"], cr["V"])
                with torch.no_grad():
                    got = terminal_grads(cr, m, S0)
                for name, x in (("k", cr["k"]), ("v", cr["v"]), ("gk", cr["gk"]), ("gv", cr["gv"]), ("S0", S0)):
                    if got[name] is not None and x.requires_grad:
                        pairs.append((x, got[name].to(x.dtype)))
            if pairs:  # through the prologue (the spec's lets) to the inputs
                g3 = torch.autograd.grad([x for x, _ in pairs], wants, [g for _, g in pairs], allow_unused=True)
                g_in = [a if b is None else (b if a is None else a + b) for a, b in zip(g_in, g3)]
    return (None, *_input_grads(ex, leaves_in, leaves_init, ctx.halo, g_in))


# ------------------------------------------------------------------ summary-first (dense transitions)
def _forward_summary(ctx, ex: _Executor, inputs, inits):
    halo = ex.halo(inputs)
    with torch.no_grad():
        with _Phase(ex, "summary"):
            Ls, Rs, Bs = ex.summary(inputs, inits, halo)
        with _Phase(ex, "scan_fwd", barrier=True):
            X = ex.scan(Ls, Rs, Bs)
    ctx.ex = ex
    ctx.Ls, ctx.Rs = Ls, Rs
    carries = X if ex.first_continues else [None] * len(X)
    with _Phase(ex, "local_fwd"):
        if ex.grad:
            leaves_in = [x.detach().requires_grad_(x.requires_grad) for x in inputs]
            leaves_init = [None if x is None else x.detach().requires_grad_(x.requires_grad) for x in inits]
            carry_leaves = [None if c is None else c.detach().requires_grad_(True) for c in carries]
            halo = {k: v.requires_grad_(True) for k, v in halo.items()}
            with torch.enable_grad():
                outs, fins = ex.local_call(leaves_in, _shape_carries(ex, carry_leaves), leaves_init, halo)
            ctx.graph = (outs, fins, leaves_in, leaves_init, carry_leaves)
        else:
            with torch.no_grad():
                outs, fins = ex.local_call(list(inputs), _shape_carries(ex, carries), list(inits), halo)
    ctx.halo = halo
    user_fins = ex.user_finals(fins)
    return tuple(o.detach() for o in outs) + tuple(user_fins)


def _backward_summary(ctx, *grads):
    ex = ctx.ex
    outs, fins, leaves_in, leaves_init, carry_leaves = ctx.graph
    roots, dO, dE = _local_cotangents(ex, outs, fins, grads)
    # pass 1: the adjoint of the carried-in state from this rank's own cotangents (none on ranks without a
    # carried state). Outputs affine in the reads: an adjoint state pass without gradient reads
    # (module._lindsl_carry_adjoint, about a third of a backward). Otherwise autograd through the local graph:
    # a full backward pass, which on the last rank is also the final one (mu = 0 there).
    cores = ex.scan_spec.cores
    last = ex.rank == ex.P - 1
    G = [torch.zeros(c["N"], c["K"], c["V"], dtype=ex.dtype, device=ex.comm_device) for c in cores]
    combined = None
    if ex.first_continues:
        wants = _wants(leaves_in + leaves_init, ctx.halo)
        if ex.info.get("linear_epilogue"):
            with _Phase(ex, "pass1"):
                gc = ex.carry_adjoint(leaves_in, dO, dE, ctx.halo)
        else:
            with _Phase(ex, "pass1" if not last else "pass2"):
                if last:
                    combined = _grad(roots, list(carry_leaves) + wants, dO + dE)
                    gc = combined[:len(carry_leaves)]
                else:
                    gc = _grad(roots, list(carry_leaves), dO + dE, retain=True)
        G = [torch.zeros(c["N"], c["K"], c["V"], dtype=ex.dtype, device=ex.comm_device) if g is None
             else g.reshape(c["N"], c["K"], c["V"]).to(ex.dtype) for g, c in zip(gc, cores)]
    # the reverse scan: mu = the adjoint of this shard's end state from the later ranks
    with _Phase(ex, "scan_bwd", barrier=True):
        mu = ex.scan(ctx.Ls, ctx.Rs, G, reverse=True)
    if combined is not None:
        got = combined[len(carry_leaves):]
    else:
        if ex.last_continues:  # the later ranks' adjoint enters through this shard's end state
            for i, m in enumerate(mu):
                d = dE[i]
                if ex.bounds is None:
                    dE[i] = d + m.reshape(d.shape).to(d.dtype)
                else:
                    dE[i] = torch.cat([d[:-1], d[-1:] + m.reshape(d[-1:].shape).to(d.dtype)], 0)
        wants = _wants(leaves_in + leaves_init, ctx.halo)
        with _Phase(ex, "pass2"):
            got = _grad(roots, wants, dO + dE) if wants else []
    return (None, *_input_grads(ex, leaves_in, leaves_init, ctx.halo, got))


def _left_shape(left, N, K):
    """The compact shape of a shard's key-side transition product: scalar, key-vector or dense."""
    return {"scalar": (N,), "key-vector": (N, K), "dense": (N, K, K)}[left]


def _wants(leaves, halo):
    """The leaves that want a gradient: inputs and initial states requiring grad, then the halo's tensors."""
    return [x for x in leaves if torch.is_tensor(x) and x.requires_grad] + [
        x for x in halo.values() if x.requires_grad]


def _input_grads(ex: _Executor, leaves_in, leaves_init, halo, got):
    """The backward's result for the inputs and initial states from got (in _wants order): the halo's gradients
    go to the previous rank, which adds them to its shifted inputs' last tokens."""
    leaves = leaves_in + leaves_init
    n = sum(1 for x in leaves if torch.is_tensor(x) and x.requires_grad)
    got = list(got)
    halo_grads = dict(zip([k for k, v in halo.items() if v.requires_grad], got[n:]))
    res = _leaf_grads(leaves, got[:n])
    return ex.halo_grads(leaves_in, res[:len(leaves_in)], halo_grads) + res[len(leaves_in):]


def _leaf_grads(leaves, grads):
    """One gradient per leaf for autograd.Function.backward: the next of grads (in order) for each leaf that
    requires grad (zeros where autograd gave None), None for the others."""
    it = iter(grads)
    res = []
    for x in leaves:
        if torch.is_tensor(x) and x.requires_grad:
            g = next(it)
            res.append(torch.zeros_like(x) if g is None else g)
        else:
            res.append(None)
    return res


def _grad(roots, leaves, cots, retain=False):
    pairs = [(r, c) for r, c in zip(roots, cots) if r.requires_grad]
    if not pairs or not leaves:
        return [None] * len(leaves)
    return list(torch.autograd.grad([r for r, _ in pairs], leaves, [c for _, c in pairs], retain_graph=retain,
                                    allow_unused=True))


def _shape_carries(ex: _Executor, carries):
    """Carried states [N, K, V] -> the op's state layout ([B or 1, H, (M), K, (V)])."""
    out = []
    for c, info in zip(carries, ex.info["cores"]):
        if c is None:
            out.append(None)
            continue
        lead = [1 if ex.bounds is not None else ex.B, ex.H]
        if info["mem"] is not None:
            lead.append(ex.sizes[info["mem"]])
        shape = lead + [ex.sizes[info["key"]]] + ([ex.sizes[info["value"]]] if info["value"] is not None else [])
        out.append(c.reshape(shape))
    return out


def check_metas(metas, names, rank) -> str | None:
    """The first disagreement between the ranks' call descriptions, as a message (None when they agree)."""
    P = len(metas)
    for j, m in enumerate(metas):
        if m[0] != _MAGIC:
            return f"rank {j} did not make a lindsl sequence-parallel call (it joined a different collective)"
    errs = []
    for j, m in enumerate(metas):
        if m[14]:
            n = m[15]
            data = b"".join(int(x).to_bytes(8, "little", signed=True) for x in m[_MSG0:_MSG0 + (n + 7) // 8])[:n]
            errs.append(f"rank {j}: {data.decode('utf-8', 'replace')}")
    if errs:
        return "sequence-parallel call rejected on " + ("; ".join(errs)) + (
            f" (reported on every rank; this is rank {rank})")
    fields = [(1, "spec (or lindsl version)"), (2, "sp_schedule"), (4, "batch size B"), (5, "number of heads H"),
              (6, "input dtype"), (7, "use of cu_seqlens"), (8, "cu_seqlens"),
              (11, "number of inputs"), (12, "parameter values (params must be replicated)"), (13, "scale"),
              (16 + 7 * _ARG_SLOTS, "shapes or dtypes of the inputs, or chunk_size"),
              (_MSG0, "cost models (model=)"),
              (_GRAD, "autograd modes (inputs requiring grad under grad mode on some ranks only: the backward "
                      "would wait for ranks that never run it)")]
    inv_sched = {v: k for k, v in _SCHED.items()}
    inv_dt = {v: str(k).replace("torch.", "") for k, v in _DTYPES.items()}
    for j in range(1, P):
        a, b = metas[0], metas[j]
        for q in range(len(names[:_ARG_SLOTS])):
            o = 16 + 7 * q
            if a[o:o + 7] != b[o:o + 7]:
                def shp(m):
                    return "[" + ", ".join("T" if x == -1 else str(x) for x in m[o + 1:o + 1 + min(m[o], 6)]) + "]"
                return (f"mismatched shards: argument '{names[q]}' has shape {shp(b)} on rank {j} but {shp(a)} on "
                        f"rank 0 (every dim but the sequence length must agree)")
        for f, what in fields:
            if a[f] != b[f]:
                extra = ""
                if f == 2:
                    extra = f": {inv_sched.get(b[f])!r} on rank {j}, {inv_sched.get(a[f])!r} on rank 0"
                elif f == 6:
                    extra = f": {inv_dt.get(b[f], '?')} on rank {j}, {inv_dt.get(a[f], '?')} on rank 0"
                elif f in (4, 5, 11):
                    extra = f": {b[f]} on rank {j}, {a[f]} on rank 0"
                return f"mismatched sequence-parallel calls: the {what} differ between rank 0 and rank {j}{extra}"
    with_init = [j for j in range(P) if metas[j][9]]
    for j in with_init[1:]:
        if metas[j][10] != metas[with_init[0]][10]:
            return (f"mismatched sequence-parallel calls: initial_state shapes or dtypes differ between rank "
                    f"{with_init[0]} and rank {j}")
    return None
