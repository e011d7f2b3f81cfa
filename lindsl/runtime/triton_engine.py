"""The chunkwise engine as Triton kernels: the same contract as engine.chunk_scan, three phases.

  prep   (grid: chunks x sequences)  the UT/WY system of the rank-one factors: M, T = (I - M)^-1 by
         forward substitution (M is strictly lower triangular), W = T (e^{G_(t-1)} a), U0 = T N V;
  state  (grid: sequences x value blocks)  walks the chunks in order with the state in registers,
         stores each chunk-start state and the pseudo-values u = W S_c + U0;
  read   (grid: chunks x sequences x output blocks)  S^T x or S y for every requested read.
Scalar or no key gates use chunks of 64 and tensor-core products with pairwise scalar decays;
per-dimension gates (key or value side) use chunks of 16 and form exp(G_t - G_s) pair by pair, so
no exponential of a positive number is ever taken. Torch-only besides triton; inlined into modules.
Addressing: a tile's address is a 64-bit scalar base (sequence, chunk) plus 32-bit tile offsets; 64-bit offset
tiles cost two registers per element and made the kernels spill (benchmarks/aot_check.py --regs).
"""
import math
import os
import warnings
from typing import NamedTuple, Optional

import torch
import triton
import triton.language as tl

try:
    from triton import knobs as _triton_knobs
except ImportError:  # a Triton before 3.4: kernels launch through Triton (_launched)
    _triton_knobs = None


_ENV_BYTES = os.environ._data  # CPython's POSIX environ: bytes names, kept in step by os.environ's setters
_ENV_NAMES = {}


def _env(name):
    """os.environ.get(name), read from environ's own bytes mapping: a forward+backward asks about 110 times (launch
    knobs, poisoning, the interpreter), and os.environ.get raises and catches two KeyErrors per unset name (0.73
    against 0.1 us per lookup)."""
    key = _ENV_NAMES.get(name)
    if key is None:
        key = _ENV_NAMES[name] = os.fsencode(name)
    value = _ENV_BYTES.get(key)
    return None if value is None else os.fsdecode(value)


def _empty(*shape, device, dtype):
    """Output buffers; filled with NaN when LINDSL_POISON=1, so an unwritten element cannot pass a check."""
    if _env("LINDSL_POISON") == "1":
        return torch.full(shape, float("nan"), device=device, dtype=dtype)
    return torch.empty(*shape, device=device, dtype=dtype)


ACCURATE = "tf32x3"  # fp32-accurate products on tensor cores (three tf32 products)


def _data(x, dummy):
    """A per-token operand as the kernels take it: contiguous, in its own floating dtype (kernels load and
    convert to fp32), so bf16 inputs are not copied to fp32 first."""
    if x is None:
        return dummy
    if x.dtype not in (torch.float32, torch.bfloat16, torch.float16):
        x = x.to(torch.float32)
    return x.contiguous()


def _stack_reads(reads):
    """The read vectors as one [NREAD, N, T, D] buffer, in their common dtype (no copy for a single read)."""
    xs = [_data(x, None) for _, _, x in reads]
    if len({x.dtype for x in xs}) > 1:
        xs = [x.float() for x in xs]
    return xs[0][None] if len(xs) == 1 else torch.stack(xs, 0)


def _knob(name, default):
    """A launch parameter, overridable by the environment variable LINDSL_TUNE_<name> (for tuning sweeps on the
    GPU, benchmarks/variant_sweep.py); the default is the engine's choice."""
    value = _env("LINDSL_TUNE_" + name)
    return default if value is None else type(default)(value)


def _grid_vadj(kernel_bit):
    """Whether a kernel's launch puts a sequence's (or a chunk's) value blocks next to each other in the launch
    order, so that programs sharing the key-side tiles run together and take them from L2 once (fla's grids put the
    value blocks first): LINDSL_TUNE_GRID_VADJ's bit kernel_bit. Bits 1, 2, 4 (the state pass, the chunk-level
    adjoint's pass, the read kernel) are the default 7: session 60, call 2, on an H100 at 4x4096x64x128, each variant
    in its own process, checks green at gate x1 and x10, forward / forward+backward ms: DeltaNet 3.040 / 11.429 ->
    2.725 / 9.765 (bits 1 and 2 alone: 2.888 / 10.088), Gated DeltaNet 3.204 / 14.834 -> 2.946 / 13.649 (3.061 /
    14.071), GLA 3.337 / 14.904 -> 3.191 / 14.396, Mamba-2 1.222 / 8.152 -> 1.226 / 7.650. Bit 32 (the WY
    backward's dW in key blocks) is default too: session 63, same GPU and shape, forward+backward Gated DeltaNet
    13.561 -> 13.465, DeltaNet 9.649 -> 9.551. Bit 16 (the read-outs from pair scores) is default too: session 70,
    same GPU and shape, forward+backward KDA 37.320 -> 35.720, RWKV-7 45.943 -> 44.765 (their whole-chunk gated
    read-outs' value blocks each load the chunk's readers and gate sums; Nsight Compute of KDA's, session 69: L2 hit
    rate 25.6 % in the sequences-first order); GLA, HGRN2 and RWKV-6 read out in one value block at D <= 128, which
    no order changes. Bits 8 and 64 (the sub-chunked read, the state pass's key blocks within its value blocks) stay
    off until timed. GRID_VADJ=0: the sequences first."""
    return bool(int(_knob("GRID_VADJ", 55)) & kernel_bit)


def _grid_blocks(first, n, blocks, kernel_bit):
    """A chunk kernel's grid and VADJ: (first, n, blocks), or where _grid_vadj(kernel_bit) holds and there are
    several blocks (first * blocks, n, 1), a first-axis index's blocks next to each other (_first_and_block)."""
    vadj = blocks > 1 and _grid_vadj(kernel_bit)
    return ((first * blocks, n, 1) if vadj else (first, n, blocks)), vadj


def _sm_count(device):
    """Streaming multiprocessors of a CUDA device (132 on the H200; the H200's count for the CPU interpreter)."""
    if device.type != "cuda":
        return 132
    return torch.cuda.get_device_properties(device).multi_processor_count


def _p2(x, lo=16):
    """The next power of two >= x, at least lo (plain Python: Triton 3.6's next_power_of_2 and cdiv are constexpr
    functions whose host calls cost microseconds each, and a forward+backward makes dozens)."""
    return max(lo, 1 << max(int(x) - 1, 0).bit_length())


def _cdiv(a, b):
    return -(-a // b)


def _mma_warps(warps, cols):
    """num_warps for a kernel whose narrowest tensor-core product is cols wide over 64 rows: Hopper's wgmma gives each
    group of four warps an equal share of the columns, and a share of 8 (an m64n8 tf32 product) read shared memory out
    of bounds on the H200 with Triton 3.6 (DeltaNet's backward read at K = 5, V = 12 in chunks of 64, eight warps on 16
    columns: compute-sanitizer, session 37, call 2; triton-lang/triton#10629): fewer warps there, 16 columns a group.
    Applied to the read, WY and state-pass launches (their defaults take at most four warps but the merged read's;
    a LINDSL_TUNE_*_WARPS=8 knob is guarded too)."""
    while warps > 4 and cols // (warps // 4) < 16:
        warps //= 2
    return warps


_DUMMIES = {}


def _dummy(device):
    """A one-element fp32 zero tensor per device, passed where a kernel's optional operand is absent (constexpr
    flags keep kernels from reading or writing it): cached, so a call launches no fill kernel for it."""
    key = (device.type, device.index)
    if key not in _DUMMIES:
        _DUMMIES[key] = torch.zeros(1, device=device, dtype=torch.float32)
    return _DUMMIES[key]


FAST_LAUNCH_TRITON = ("3.6",)  # the Tritons whose launch path _Launched reproduces (CompiledKernel.run's arguments)
SEEN_ARGUMENTS = 4096  # a launched kernel's plans by its arguments' values: at most this many, then forgotten


def _arg_key(a):
    """What Triton 3.6 specializes a kernel on for one runtime argument (python/src/specialize.cc): an int's value 1,
    else its width and divisibility by 16; a tensor's dtype and 16-byte alignment (and whether it is on a GPU: a CPU
    tensor's first launch goes through Triton, which refuses it); a float or a bool only by type; anything else
    (None) by value."""
    if a.__class__ is int:  # a code 0-8
        return 8 if a == 1 else (a & 15 == 0) + 2 * (-2147483648 <= a <= 2147483647) + 4 * (a >= 1 << 63)
    if isinstance(a, torch.Tensor):  # a CPU tensor keys apart (Triton's first launch refuses it with an error)
        return (a.dtype, a.data_ptr() & 15 == 0, a.is_cuda)
    if a.__class__ is float:
        return float
    if a.__class__ is bool:
        return bool
    return (a.__class__, a)


class _Launched:
    """A kernel launched through its compiled form once Triton has specialized it for a call's arguments.

    Triton 3.6's JITFunction.run costs 55-66 us of host per launch of our large kernels (RESULTS, session 34: the
    binder 21-24 us, the cache key 4-5, the keyword and global checks 13-18, the C launcher 15-17, which calls each
    tensor's data_ptr() and asks the driver about every pointer). Here a launch site (the number of positional
    arguments and the keywords' names) keeps a plan per specialization key: each argument's _arg_key (inlined for
    tensors), the constexprs' and launch options' values, the device. A plan holds the compiled kernel's launcher,
    function and metadata and the arguments after the positional ones (keywords and defaults in parameter order); a
    hit passes tensors as their addresses. The first launch of a key goes through Triton (compiling or loading the
    kernel as usual; Triton's options from the environment, TRITON_DEBUG, are read then). In front of the plans,
    .seen finds a plan by the arguments' values (ints by value, other arguments by type and value, tensors as in
    the key, keywords by name and value: a finer key, so an entry is always the plan Triton's key gives), which
    skips working out each int's specialization code: 11.6 -> 7.4 us for 14 tensors and 44 other arguments on the
    development CPU. It holds at most SEEN_ARGUMENTS entries (shapes that change every call would grow it).
    LINDSL_TUNE_FAST_LAUNCH=0 launches through Triton every time; LINDSL_CHECK_LAUNCH=1 checks every hit against
    Triton's own cache key (the GPU tests). Launches also go through Triton while a profiler hooks them (Triton's
    launch hooks) and while torch.compile traces (it captures a JITFunction's launch as a user kernel); so does a
    site whose keywords name a runtime argument (counted in .triton_launches; the engine's sites have none)."""

    def __init__(self, jitted):
        self.jitted = jitted
        self.params = jitted.params
        self.sites = {}
        self.seen = {}
        self.triton_launches = 0

    def __getattr__(self, name):
        return getattr(self.jitted, name)

    def __getitem__(self, grid):
        return lambda *args, **kwargs: self.launch(grid, args, kwargs)

    def _site(self, n_pos, names):
        """For a call shape: (positions of the constexprs given positionally, the parameters after the positional
        ones, its plans: an empty dict); None where a keyword names a runtime argument."""
        by_name = {p.name: p for p in self.params}
        if any(n in by_name and not by_name[n].is_constexpr for n in names):
            return None
        return [i for i in range(n_pos) if self.params[i].is_constexpr], self.params[n_pos:], {}

    def launch(self, grid, args, kwargs):
        if torch.compiler.is_compiling() or _knob("FAST_LAUNCH", 1) == 0 or _launch_hooks_set():
            return self.jitted[grid](*args, **kwargs)
        values = [a.data_ptr() if a.__class__ is torch.Tensor else a for a in args]
        device = _cuda_device()
        seen = (device, tuple(kwargs), tuple(kwargs.values()),
                tuple([(a.dtype if a.is_cuda and not v & 15 else _arg_key(a)) if a.__class__ is torch.Tensor
                       else (v if v.__class__ is int else (v.__class__, v)) for a, v in zip(args, values)]))
        plan = self.seen.get(seen)
        if plan is None:
            plan = self._plan(grid, args, kwargs, values, device, seen)
            if plan.__class__ is not tuple:
                return plan  # launched through Triton
        run, function, metadata, tail, kernel = plan
        if _env("LINDSL_CHECK_LAUNCH") == "1":
            self._check(kernel, device, args, kwargs)
        n = len(grid)
        run(grid[0], grid[1] if n > 1 else 1, grid[2] if n > 2 else 1, _cuda_stream(device), function, metadata,
            None, None, None, *values, *tail)
        return kernel

    def _plan(self, grid, args, kwargs, values, device, seen):
        """The plan for arguments whose values this site has not seen: by Triton's specialization key, made by a
        launch through Triton where there is none (that launch's kernel returned instead of a plan)."""
        names = tuple(kwargs)
        site = self.sites.get((len(args), names), False)
        if site is False:
            site = self.sites[(len(args), names)] = self._site(len(args), names)
        if site is None:
            self.triton_launches += 1
            return self.jitted[grid](*args, **kwargs)
        const_pos, rest, plans = site
        key = [(a.dtype if a.is_cuda and not v & 15 else _arg_key(a)) if a.__class__ is torch.Tensor else _arg_key(a)
               for a, v in zip(args, values)]
        key = (device, tuple(key), tuple(kwargs.values()), tuple(args[i] for i in const_pos) if const_pos else ())
        plan = plans.get(key)
        launched = None
        if plan is None:
            launched = self.jitted[grid](*args, **kwargs)
            launched = launched.result() if hasattr(launched, "result") else launched
            tail = tuple(kwargs[p.name] if p.name in kwargs else p.default for p in rest)
            plan = plans[key] = (launched.run, launched.function, launched.packed_metadata, tail, launched)
        if len(self.seen) >= SEEN_ARGUMENTS:
            self.seen.clear()
        self.seen[seen] = plan
        return plan if launched is None else launched

    def _check(self, kernel, device, args, kwargs):
        """Raise unless Triton's own specialization of these arguments keys the kernel this plan launches."""
        from triton.runtime.jit import compute_cache_key
        cache, key_cache, _, _, binder = self.jitted.device_caches[device]
        kwargs = dict(kwargs, debug=kwargs.get("debug", self.jitted.debug) or _triton_knobs.runtime.debug,
                      instrumentation_mode=_triton_knobs.compilation.instrumentation_mode)
        _, specialization, options = binder(*args, **kwargs)
        if cache.get(compute_cache_key(key_cache, specialization, options)) is not kernel:
            raise RuntimeError(f"fast launch of {self.jitted.__name__}: its plan's kernel is not the one Triton "
                               f"specializes these arguments for ({specialization})")


def _launched(jitted):
    """A launched kernel's @triton.jit function wrapped in _Launched where Triton compiles it for a GPU (not under the
    interpreter, whose kernels are not JITFunctions, nor with another Triton than FAST_LAUNCH_TRITON: then a warning,
    once, where a GPU is present)."""
    from triton.runtime.jit import JITFunction
    if not isinstance(jitted, JITFunction):
        return jitted
    version = ".".join(triton.__version__.split(".")[:2])
    if _triton_knobs is None or version not in FAST_LAUNCH_TRITON:
        if not _SLOW_LAUNCH_WARNED and torch.cuda.is_available():
            _SLOW_LAUNCH_WARNED.append(version)
            warnings.warn(f"lindsl: Triton {triton.__version__} is not one whose launch path the fast kernel launch "
                          f"reproduces ({', '.join(FAST_LAUNCH_TRITON)}): kernels launch through Triton's "
                          f"JITFunction.run, about 30-60 us more host time per launch", stacklevel=2)
        return jitted
    return _Launched(jitted)


_SLOW_LAUNCH_WARNED = []


def _launch_hooks_set():
    """Whether a profiler hooked Triton's launches (Triton 3.6's hooks are chains, empty unless one is added)."""
    runtime = _triton_knobs.runtime
    return any(getattr(h, "calls", h is not None) for h in (runtime.launch_enter_hook, runtime.launch_exit_hook))


def _cuda_device():
    """The current CUDA device's index (what Triton launches on)."""
    return torch._C._cuda_getDevice()


def _cuda_stream(device):
    """The current stream of a CUDA device, as Triton's launcher takes it."""
    return torch._C._cuda_getCurrentRawStream(device)


# the elementwise builtins of lindsl.runtime.builtins as Triton functions (fp32), for the fused step's generated code
# (lindsl.codegen.triton_emit); tl.exp, tl.log, tl.sigmoid, tl.sqrt and tl.abs serve the others as they are
@triton.jit
def _lin_logsigmoid(x):
    return tl.minimum(x, 0.0) - tl.log(1.0 + tl.exp(-tl.abs(x)))


@triton.jit
def _lin_silu(x):
    return x * tl.sigmoid(x)


@triton.jit
def _lin_relu(x):
    return tl.maximum(x, 0.0)


@triton.jit
def _lin_elu(x):
    return tl.where(x > 0.0, x, tl.exp(tl.minimum(x, 0.0)) - 1.0)


@triton.jit
def _lin_softplus(x):
    """torch's softplus (x above 20); exp(x) below -15, where log(1 + exp(x)) rounds to 0 in fp32."""
    mid = tl.log(1.0 + tl.exp(tl.minimum(x, 20.0)))
    return tl.where(x > 20.0, x, tl.where(x < -15.0, tl.exp(tl.minimum(x, 0.0)), mid))


@triton.jit
def _lin_tanh(x):
    """1 - 2 / (e^{2x} + 1), and its odd series below |x| = 0.02 (the difference loses digits there)."""
    x2 = x * x
    series = x * (1.0 - x2 * (1.0 / 3.0 - x2 * (2.0 / 15.0)))
    return tl.where(tl.abs(x) < 0.02, series, 1.0 - 2.0 / (tl.exp(2.0 * x) + 1.0))


@triton.jit
def _lin_pow(a, b):
    """torch.pow for fp32: |a|^b with the sign of a for odd integer b, NaN for a < 0 with non-integer b, 1 at b = 0."""
    mag = tl.exp(b * tl.log(tl.abs(a)))
    whole = b == tl.floor(b)
    odd = whole & (b - 2.0 * tl.floor(0.5 * b) == 1.0)
    neg = tl.where(whole, tl.where(odd, -mag, mag), float("nan"))
    return tl.where(b == 0.0, 1.0, tl.where(a < 0.0, neg, mag))


@triton.jit
def _dot(x, y, PREC: tl.constexpr):
    """A matrix product with fp32 accumulation: "bf16" rounds both operands to bf16 (the bf16-input forward);
    "tf32", "tf32x3" (fp32-accurate) and "ieee" are Triton's input precisions for fp32 operands; "hilo" (x a tile
    stored in bf16, so exact in bf16; y in fp32): two bf16 products, x times y's high and low bf16 parts (y to about
    16 bits, tf32's 11). Operands may come in their storage dtype (bf16 tiles stay bf16 in registers until here).
    The "-rounded" forms are the interpreter's (its bf16 products are wrong): the same roundings, fp32 products."""
    if PREC == "bf16":
        return tl.dot(x.to(tl.bfloat16), y.to(tl.bfloat16))
    elif PREC == "bf16-rounded":
        return tl.dot(x.to(tl.bfloat16).to(tl.float32), y.to(tl.bfloat16).to(tl.float32), input_precision="ieee")
    elif PREC == "hilo":
        xb = x.to(tl.bfloat16)
        hi = y.to(tl.bfloat16)
        return tl.dot(xb, (y.to(tl.float32) - hi.to(tl.float32)).to(tl.bfloat16), tl.dot(xb, hi))
    elif PREC == "hilo-rounded":
        xr = x.to(tl.bfloat16).to(tl.float32)
        hi = y.to(tl.bfloat16).to(tl.float32)
        lo = (y.to(tl.float32) - hi).to(tl.bfloat16).to(tl.float32)
        return tl.dot(xr, lo, tl.dot(xr, hi, input_precision="ieee"), input_precision="ieee")
    else:
        return tl.dot(x.to(tl.float32), y.to(tl.float32), input_precision=PREC)


@triton.jit
def _dot_acc(acc, x, y, PREC: tl.constexpr):
    """acc + x y in the precision of _dot, accumulated in place by the tensor-core instruction."""
    if PREC == "bf16":
        return tl.dot(x.to(tl.bfloat16), y.to(tl.bfloat16), acc)
    elif PREC == "bf16-rounded":
        return tl.dot(x.to(tl.bfloat16).to(tl.float32), y.to(tl.bfloat16).to(tl.float32), acc,
                      input_precision="ieee")
    else:
        return tl.dot(x.to(tl.float32), y.to(tl.float32), acc, input_precision=PREC)


@triton.jit
def _seq_row(n, T, HS):
    """The first token row of sequence n in a per-token tensor, laid out [N, T, ...] (HS = 1: the engine's rows)
    or [B, T, HS, ...] with n = b HS + h (the callers' [B, T, H, D] tensors, read and written in place); token t of
    the sequence is row _seq_row + t HS. A 64-bit scalar (n is); the tiles' offsets t HS ... stay 32-bit."""
    return (n // HS) * T * HS + n % HS


@triton.jit
def _reader_rows(n, tok, T, TX, HS, REV: tl.constexpr):
    """Where a read's vectors and results live for the scan positions tok: (the sequence's first row, the tokens'
    row offsets, whether they exist). The scan's own rows (TX = T), or REV: the scan runs over reversed time padded
    to T (the adjoint) while the reader's tensors are the callers', TX tokens in their own order, so position p is
    token T - 1 - p (no flipped copies of the vectors, no flip back of the results)."""
    if REV:
        xt = T - 1 - tok
    else:
        xt = tok
    return _seq_row(n, TX, HS), xt * HS, (xt >= 0) & (xt < TX)


@triton.jit
def _gate_rows(ptr, n, tok, ok, dd, d_ok, Tp, D: tl.constexpr, G: tl.constexpr, ROWS: tl.constexpr):
    """Cumulative log-gates of some rows: [ROWS] (scalar gate), [ROWS, BD] (vector gate), zeros (no gate)."""
    if G == 1:
        return tl.load(ptr + n * Tp + tok, mask=ok, other=0.0).to(tl.float32)
    elif G == 2:
        return tl.load(ptr + (n * Tp) * D + tok[:, None] * D + dd[None, :], mask=ok[:, None] & d_ok[None, :],
                       other=0.0).to(tl.float32)
    else:
        return tl.zeros([ROWS], dtype=tl.float32)


@triton.jit
def _gate_row(ptr, n, tok, dd, d_ok, Tp, D: tl.constexpr, G: tl.constexpr):
    """Cumulative log-gate of one row: a scalar, a [BD] vector, or 0."""
    if G == 1:
        return tl.load(ptr + n * Tp + tok).to(tl.float32)
    elif G == 2:
        return tl.load(ptr + (n * Tp + tok) * D + dd, mask=d_ok, other=0.0).to(tl.float32)
    else:
        return 0.0


@triton.jit
def _decay_rows(x, Grows, Gref, G: tl.constexpr, SIGN: tl.constexpr):
    """x * exp(SIGN * (Grows - Gref)) row by row (per element for a vector gate; Gref is one row); x without a gate.
    SIGN = 1 for rows after the reference row, -1 for rows before it: the exponent is never positive, and is taken
    as 0 where it is (rows past T, whose gates load as 0: their x is 0, and 0 * e^{-G_ref} would be 0 * inf)."""
    if G == 0:
        return x
    else:
        ref = Gref[None, :] if G == 2 else Gref
        if SIGN == 1:
            return x * _decays(Grows, ref, G)
        else:
            return x * _decays(ref, Grows, G)


@triton.jit
def _chunk_coef(x, Gx, src_ptr, G_ptr, n, c, T, Tp, HS, t, t_ok, kk, k_ok, K: tl.constexpr, C: tl.constexpr,
                NR: tl.constexpr, BROWS: tl.constexpr, BEFORE: tl.constexpr, GK: tl.constexpr, RPREC: tl.constexpr):
    """Pair weights of a chunk's reads x (C rows) against its NR source rows per token (rows of src_ptr, layout
    [N, T, NR, K]): x_t . src_s times exp(Gx_t - G_s) for s <= t (s < t before the update), scalar or no gate."""
    rows = tl.arange(0, BROWS)
    t_row = rows // NR
    rtok = c * C + t_row
    r_ok = (rows < C * NR) & (rtok < T)
    src = tl.load(src_ptr + _seq_row(n, T, HS) * NR * K + (rtok * HS * NR + rows % NR)[:, None] * K + kk[None, :],
                  mask=r_ok[:, None] & k_ok[None, :], other=0.0)
    cm = _dot(x, tl.trans(src), RPREC)
    if BEFORE:
        okm = (t[:, None] > t_row[None, :]) & t_ok[:, None] & r_ok[None, :]
    else:
        okm = (t[:, None] >= t_row[None, :]) & t_ok[:, None] & r_ok[None, :]
    if GK == 1:
        Gr = tl.load(G_ptr + n * Tp + rtok, mask=r_ok, other=0.0).to(tl.float32)
        cm = cm * tl.exp(tl.where(okm, Gx[:, None] - Gr[None, :], float("-inf")))
    else:
        cm = tl.where(okm, cm, 0.0)
    return cm


@triton.jit
def _unit_lower_inverse(M, rows, L: tl.constexpr):
    """(I - M)^-1 for strictly lower-triangular M, by forward substitution: T[i] = e_i + sum_j M[i, j] T[j]."""
    Tm = tl.where(rows[:, None] == rows[None, :], 1.0, 0.0)
    for i in range(1, L):
        mrow = tl.sum(tl.where(rows[:, None] == i, M, 0.0), 0)
        new = tl.sum(mrow[:, None] * Tm, 0)
        Tm = tl.where(rows[:, None] == i, Tm + new[None, :], Tm)
    return Tm


@triton.jit
def _unit_lower_inverse_doubling(M, rows, LOG2: tl.constexpr, PREC: tl.constexpr):
    """(I - M)^-1 = (I + M)(I + M^2)(I + M^4)... for strictly lower-triangular M of 2^LOG2 padded rows (nilpotent:
    the factors up to M^(2^(LOG2-1)) give every power below the size): 2 (LOG2 - 1) tensor-core products instead of
    one dependent step per row."""
    Tm = tl.where(rows[:, None] == rows[None, :], 1.0, 0.0) + M
    Pw = M
    for _ in tl.static_range(LOG2 - 1):
        Pw = _dot(Pw, Pw, PREC)
        Tm = Tm + _dot(Tm, Pw, PREC)
    return Tm


@triton.jit
def _unit_lower_inverse_blocked(M, rows, LOG2: tl.constexpr, PREC: tl.constexpr):
    """(I - M)^-1 for strictly lower-triangular M of 2^LOG2 >= 16 rows through its 16-row blocks: with D the diagonal
    blocks and E the rest, I - M = (I - D)(I - N), N = (I - D)^-1 E, so (I - M)^-1 = (I - N)^-1 (I - D)^-1.
    (I - D)^-1 by doubling on all blocks at once (batched 16 x 16 products); N is nilpotent of degree 2^LOG2 / 16,
    so (I - N)^-1 by doubling too: at 64 rows four chunk-sized products instead of _unit_lower_inverse_doubling's
    ten."""
    SB: tl.constexpr = 16
    BL: tl.constexpr = 2 ** LOG2
    NB: tl.constexpr = BL // SB
    same = (rows[:, None] // SB) == (rows[None, :] // SB)
    D = tl.where(same, M, 0.0)
    D_blocks = tl.sum(tl.where(same.reshape(NB, SB, NB, SB), D.reshape(NB, SB, NB, SB), 0.0), 2)
    rs = tl.arange(0, SB)
    X_blocks = tl.where(rs[:, None] == rs[None, :], 1.0, 0.0)[None, :, :] + D_blocks
    Pw = D_blocks
    for _ in tl.static_range(3):  # D^16 = 0
        Pw = _dot(Pw, Pw, PREC)
        X_blocks = X_blocks + _dot(X_blocks, Pw, PREC)
    nb = tl.arange(0, NB)
    XD = (X_blocks[:, :, None, :] * tl.where(nb[:, None] == nb[None, :], 1.0, 0.0)[:, None, :, None]).reshape(BL, BL)
    N = _dot(XD, M - D, PREC)
    Tn = tl.where(rows[:, None] == rows[None, :], 1.0, 0.0) + N
    for _ in tl.static_range(LOG2 - 5):  # N^(NB) = 0
        N = _dot(N, N, PREC)
        Tn = Tn + _dot(Tn, N, PREC)
    return _dot(Tn, XD, PREC)


@triton.jit
def _chunk_rows(c, T, C: tl.constexpr, NR: tl.constexpr, BROWS: tl.constexpr):
    """Chunk c's rows, NR per token (the rows layout [.., T, NR, D]): (row indices, their token within the chunk,
    their token, whether they exist); NR >= 1."""
    rows = tl.arange(0, BROWS)
    t_row = rows // NR
    tok = c * C + t_row
    return rows, t_row, tok, (rows < C * NR) & (tok < T)


@triton.jit
def _unit_lower_inverse_by(M, rows, L: tl.constexpr, LOG2: tl.constexpr, PREC: tl.constexpr, SOLVE: tl.constexpr):
    """(I - M)^-1 by SOLVE: "doubling", "blocked" or "substitution" (the _unit_lower_inverse* helpers; _wy_solve)."""
    if SOLVE == "doubling":
        return _unit_lower_inverse_doubling(M, rows, LOG2, PREC)
    elif SOLVE == "blocked":
        return _unit_lower_inverse_blocked(M, rows, LOG2, PREC)
    else:
        return _unit_lower_inverse(M, rows, L)


@_launched
@triton.jit
def _prep_kernel(a_ptr, b_ptr, k_ptr, v_ptr, G_ptr, Gex_ptr, W_ptr, U0_ptr, M_ptr, Nin_ptr, fold_ptr, bd_ptr, kd_ptr,
                 tinv_ptr, T, Tp, NC, HS,
                 K: tl.constexpr, V: tl.constexpr, C: tl.constexpr, R: tl.constexpr, P: tl.constexpr,
                 BL: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr, GK: tl.constexpr,
                 PREC: tl.constexpr, SOLVE: tl.constexpr = "substitution", LOG2: tl.constexpr = 0,
                 BLOCKED: tl.constexpr = False, MFOLD: tl.constexpr = 0, DECAY: tl.constexpr = False,
                 SPLIT_V: tl.constexpr = False, STORE_T: tl.constexpr = False):
    """The WY system of one chunk with a per-dimension key gate (rank-one factors, no value gate; without one,
    _prep_kblock_kernel): W = (I - M)^-1 (a decayed) and U0, stored for the state passes; SOLVE: how (I - M)^-1 is
    formed ("substitution", "doubling", "blocked": the _unit_lower_inverse* helpers). The pair products are made one
    source row at a time, or BLOCKED (one factor and at most one input per token, chunks of 32 or 64):
    the decayed pair products M and a k^T given (M_ptr, Nin_ptr: the reads' pair scores, _sub_scores; only their
    strictly lower part is taken) instead of made one source row at a time; with MFOLD (the delta rule's fold
    b = -s k', as _state_kernel's FOLD) M is a k^T's columns scaled by -s. DECAY (BLOCKED): also the sources the
    state pass adds, decayed to the chunk's end, b e^{G_C - G_t} (bd_ptr; not with MFOLD) and k e^{G_C - G_t}
    (kd_ptr, with an input), in the sources' own layout (_state_kernel's DECAYED). Grid (chunks, rows, value blocks
    of BV); SPLIT_V (more than one value block): each value block's program solves the chunk's system and makes its
    columns of U0, the first also W and the decayed sources. STORE_T: also (I - M)^-1 into tinv [N, NC, L, L] (in
    its dtype; the chunk-level adjoint's WY backward takes it instead of solving again)."""
    tl.static_assert(GK == 2, "_prep_kernel takes a per-dimension key gate (else _prep_kblock_kernel)")
    c = tl.program_id(0)
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets: N*NC*K*V passes 2^31 at long T
    first = tl.program_id(2) == 0 if SPLIT_V else True
    L: tl.constexpr = C * R
    rows, t_row, tok, row_ok = _chunk_rows(c, T, C, R, BL)
    kk = tl.arange(0, BK)
    k_ok = kk < K
    vv = tl.arange(0, BV)
    if SPLIT_V:
        vv += tl.program_id(2) * BV
    v_ok = vv < V
    seq = _seq_row(n, T, HS)
    roff = (tok * HS * R + rows % R)[:, None]
    m2 = row_ok[:, None] & k_ok[None, :]
    a = tl.load(a_ptr + seq * R * K + roff * K + kk[None, :], mask=m2, other=0.0).to(tl.float32)
    lower = (t_row[:, None] > t_row[None, :]) & row_ok[:, None] & row_ok[None, :]
    if BLOCKED:
        # M and, with an input, a k^T from the pair scores (_sub_scores)
        mm = ((n * NC + c) * C + rows)[:, None] * C + rows[None, :]
        if MFOLD > 0:
            M = -tl.load(Nin_ptr + mm) * _fold_scale(fold_ptr, c, n, T, HS, C, BL, MFOLD)[None, :]
        else:
            M = tl.load(M_ptr + mm)
        M = tl.where(lower, M, 0.0)
        a_dec = a * tl.exp(_gate_rows(Gex_ptr, n, tok, row_ok, kk, k_ok, Tp, K, GK, BL))
    else:
        Gex = _gate_rows(Gex_ptr, n, tok, row_ok, kk, k_ok, Tp, K, GK, BL)
        M = tl.zeros([BL, BL], dtype=tl.float32)
        for j in range(0, L):
            tj = c * C + j // R
            bj = tl.load(b_ptr + ((seq + tj * HS) * R + j % R) * K + kk, mask=k_ok & (tj < T), other=0.0).to(tl.float32)
            Gj = tl.load(G_ptr + (n * Tp + tj) * K + kk, mask=k_ok, other=0.0).to(tl.float32)
            ok = (t_row > j // R) & row_ok
            e = tl.exp(tl.where(ok[:, None] & k_ok[None, :], Gex - Gj[None, :], float("-inf")))
            col = tl.sum(a * bj[None, :] * e, 1)
            M = tl.where(rows[None, :] == j, col[:, None], M)
        a_dec = a * tl.exp(Gex)
    Tm = _unit_lower_inverse_by(M, rows, L, LOG2, PREC, SOLVE)
    wbase0 = (n * NC + c) * L
    if STORE_T and first:
        tl.store(tinv_ptr + wbase0 * L + rows[:, None] * L + rows[None, :], Tm.to(tinv_ptr.dtype.element_ty),
                 mask=(rows < L)[:, None] & (rows < L)[None, :])
    if SPLIT_V:
        if first:
            W = _dot(Tm, a_dec, PREC)
            tl.store(W_ptr + wbase0 * K + rows[:, None] * K + kk[None, :], W, mask=(rows < L)[:, None] & k_ok[None, :])
    else:
        W = _dot(Tm, a_dec, PREC)
        tl.store(W_ptr + wbase0 * K + rows[:, None] * K + kk[None, :], W, mask=(rows < L)[:, None] & k_ok[None, :])
    rhs = tl.zeros([BL, BV], dtype=tl.float32)
    if P > 0:
        LP: tl.constexpr = C * P
        if BLOCKED:
            vp = tl.load(v_ptr + (seq + tok[:, None] * HS) * V + vv[None, :], mask=row_ok[:, None] & v_ok[None, :],
                         other=0.0).to(tl.float32)
            rhs = _dot(tl.where(lower, tl.load(Nin_ptr + mm), 0.0), vp, PREC)
        else:
            for s in range(0, LP):
                ts = c * C + s // P
                ks = tl.load(k_ptr + ((seq + ts * HS) * P + s % P) * K + kk, mask=k_ok & (ts < T), other=0.0).to(tl.float32)
                vs = tl.load(v_ptr + ((seq + ts * HS) * P + s % P) * V + vv, mask=v_ok & (ts < T), other=0.0).to(tl.float32)
                Gs = tl.load(G_ptr + (n * Tp + ts) * K + kk, mask=k_ok, other=0.0).to(tl.float32)
                ok = (t_row > s // P) & row_ok
                e = tl.exp(tl.where(ok[:, None] & k_ok[None, :], Gex - Gs[None, :], float("-inf")))
                col = tl.sum(a * ks[None, :] * e, 1)
                rhs += col[:, None] * vs[None, :]
    U0 = _dot(Tm, rhs, PREC)
    tl.store(U0_ptr + wbase0 * V + rows[:, None] * V + vv[None, :], U0, mask=(rows < L)[:, None] & v_ok[None, :])
    if BLOCKED and DECAY:
        to_end = _decays(_gate_row(G_ptr, n, c * C + C - 1, kk, k_ok, Tp, K, GK)[None, :],
                         _gate_rows(G_ptr, n, tok, row_ok, kk, k_ok, Tp, K, GK, BL), GK)
        mine = m2 & first if SPLIT_V else m2  # the first value block's program stores them
        if MFOLD == 0:
            b_rows = tl.load(b_ptr + seq * R * K + roff * K + kk[None, :], mask=m2, other=0.0).to(tl.float32)
            tl.store(bd_ptr + seq * R * K + roff * K + kk[None, :], (b_rows * to_end).to(bd_ptr.dtype.element_ty),
                     mask=mine)
        if P > 0:
            k_rows = tl.load(k_ptr + seq * P * K + roff * K + kk[None, :], mask=m2, other=0.0).to(tl.float32)
            tl.store(kd_ptr + seq * P * K + roff * K + kk[None, :], (k_rows * to_end).to(kd_ptr.dtype.element_ty),
                     mask=mine)


@_launched
@triton.jit
def _prep_kblock_kernel(a_ptr, b_ptr, k_ptr, v_ptr, G_ptr, Gex_ptr, W_ptr, U0_ptr, fold_ptr, tinv_ptr, T, Tp, NC, HS,
                        K: tl.constexpr, V: tl.constexpr, C: tl.constexpr, R: tl.constexpr, P: tl.constexpr,
                        BL: tl.constexpr, BLP: tl.constexpr, BKB: tl.constexpr, BVB: tl.constexpr, GK: tl.constexpr,
                        PREC: tl.constexpr, PREC_T: tl.constexpr, SOLVE: tl.constexpr, LOG2: tl.constexpr,
                        STORE_T: tl.constexpr = False, M_FROM_N: tl.constexpr = 0, LOAD_T: tl.constexpr = False):
    """The WY system of one chunk with no or a scalar key gate (rank-one factors, no value gate; with a
    per-dimension one, _prep_kernel): the decayed pair products M = a b^T and N = a k^T below the diagonal,
    accumulated over key blocks of BKB; T = (I - M)^-1 (SOLVE, as _prep_kernel's); W = T (a decayed) made and stored
    per key block, U0 = (T N) v per value block of BVB, so no whole [L, K] or [L, V] tile is held. PREC_T: the
    precision of the products of two loaded tiles (a b^T, a k^T); where it differs from PREC ("bf16", tiles stored
    in bf16) the tiles stay in bf16 until used, their products exact as in tf32. STORE_T: also T into tinv
    [N, NC, L, L] (in its dtype). M_FROM_N (the delta rule's fold b = -s k', R = P = 1; as _state_kernel's FOLD:
    s = 1 or per token from fold_ptr): M = -N diag(s), b's tile never loaded. LOAD_T: T loaded from tinv (an earlier
    launch's STORE_T, fp32) instead of made: W and U0 again, bit-identical to that launch's (chunk_scan_triton's
    WY_KEEP=0)."""
    c = tl.program_id(0)
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets: N*NC*K*V passes 2^31 at long T
    L: tl.constexpr = C * R
    LP: tl.constexpr = C * P
    rows, t_row, tok, row_ok = _chunk_rows(c, T, C, R, BL)
    seq = _seq_row(n, T, HS)
    roff = (tok * HS * R + rows % R)[:, None]
    prow = tl.arange(0, BLP)
    t_p = prow // P if P > 0 else prow
    ptok = c * C + t_p
    p_ok = (prow < LP) & (ptok < T)
    poff = (ptok * HS * P + prow % P)[:, None] if P > 0 else prow[:, None]
    kb = tl.arange(0, BKB)
    M = tl.zeros([BL, BL], dtype=tl.float32)
    Nin = tl.zeros([BL, BLP], dtype=tl.float32)
    for k0 in tl.static_range(0, K, BKB):
        kk = k0 + kb
        k_ok = kk < K
        a = tl.load(a_ptr + seq * R * K + roff * K + kk[None, :], mask=row_ok[:, None] & k_ok[None, :], other=0.0)
        if M_FROM_N == 0 and not LOAD_T:
            b = tl.load(b_ptr + seq * R * K + roff * K + kk[None, :], mask=row_ok[:, None] & k_ok[None, :], other=0.0)
            M = _dot_acc(M, a, tl.trans(b), PREC_T)
        if P > 0:
            kp = tl.load(k_ptr + seq * P * K + poff * K + kk[None, :], mask=p_ok[:, None] & k_ok[None, :], other=0.0)
            Nin = _dot_acc(Nin, a, tl.trans(kp), PREC_T)
    if M_FROM_N == 0 and not LOAD_T:
        M = M * _strict_decays(G_ptr, Gex_ptr, n, t_row, tok, row_ok, t_row, tok, row_ok, Tp, GK)
    if P > 0:
        Nin = Nin * _strict_decays(G_ptr, Gex_ptr, n, t_row, tok, row_ok, t_p, ptok, p_ok, Tp, GK)
    wbase0 = (n * NC + c) * L
    if LOAD_T:
        Tm = tl.load(tinv_ptr + wbase0 * L + rows[:, None] * L + rows[None, :],
                     mask=(rows < L)[:, None] & (rows < L)[None, :], other=0.0).to(tl.float32)
    else:
        if M_FROM_N > 0:
            M = -Nin * _fold_scale(fold_ptr, c, n, T, HS, C, BL, M_FROM_N)[None, :]
        Tm = _unit_lower_inverse_by(M, rows, L, LOG2, PREC, SOLVE)
    for k0 in tl.static_range(0, K, BKB):
        kk = k0 + kb
        k_ok = kk < K
        a = tl.load(a_ptr + seq * R * K + roff * K + kk[None, :], mask=row_ok[:, None] & k_ok[None, :], other=0.0)
        if GK == 1:
            a = a.to(tl.float32) * tl.exp(_gate_rows(Gex_ptr, n, tok, row_ok, kb, kb < K, Tp, K, GK, BL))[:, None]
        W = _dot(Tm, a, PREC)
        tl.store(W_ptr + wbase0 * K + rows[:, None] * K + kk[None, :], W, mask=(rows < L)[:, None] & k_ok[None, :])
    if P > 0:
        TN = _dot(Tm, Nin, PREC)
    if STORE_T:  # after T's last product (ptxas, bf16 T: 168 registers for DeltaNet and Gated DeltaNet; 173 and 168
        # stored first; fp32 T stored first 151 and 175)
        tl.store(tinv_ptr + wbase0 * L + rows[:, None] * L + rows[None, :], Tm.to(tinv_ptr.dtype.element_ty),
                 mask=(rows < L)[:, None] & (rows < L)[None, :])
    vb = tl.arange(0, BVB)
    for v0 in tl.static_range(0, V, BVB):
        vv = v0 + vb
        v_ok = vv < V
        if P > 0:
            vp = tl.load(v_ptr + seq * P * V + poff * V + vv[None, :], mask=p_ok[:, None] & v_ok[None, :], other=0.0)
            U0 = _dot(TN, vp, PREC)
        else:
            U0 = tl.zeros([BL, BVB], dtype=tl.float32)
        tl.store(U0_ptr + wbase0 * V + rows[:, None] * V + vv[None, :], U0, mask=(rows < L)[:, None] & v_ok[None, :])


@_launched
@triton.jit
def _prep_col_kernel(a_ptr, b_ptr, k_ptr, v_ptr, G_ptr, Gex_ptr, Gv_ptr, W_ptr, U0_ptr, T, Tp, NC,
                     K: tl.constexpr, V: tl.constexpr, C: tl.constexpr, R: tl.constexpr, P: tl.constexpr,
                     BL: tl.constexpr, BK: tl.constexpr, GK: tl.constexpr, PREC: tl.constexpr):
    """The WY system of one value column (a value-side gate with rank-one factors): the pair weights carry the
    column's decay exp(Gv_i[v] - Gv_j[v]), so T, W and U0 differ per column. Pairs are formed one by one."""
    c = tl.program_id(0)
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets: N*NC*K*V passes 2^31 at long T
    vc = tl.program_id(2)
    L: tl.constexpr = C * R
    rows = tl.arange(0, BL)
    t_row = rows // R
    tok = c * C + t_row
    row_ok = (rows < L) & (tok < T)
    kk = tl.arange(0, BK)
    k_ok = kk < K
    m2 = row_ok[:, None] & k_ok[None, :]
    a = tl.load(a_ptr + (n * T * R + c * C * R) * K + rows[:, None] * K + kk[None, :], mask=m2, other=0.0).to(tl.float32)
    gvr = tl.load(Gv_ptr + (n * Tp + tok) * V + vc, mask=row_ok, other=0.0).to(tl.float32)
    if GK != 0:
        Gex = _gate_rows(Gex_ptr, n, tok, row_ok, kk, k_ok, Tp, K, GK, BL)
    else:
        Gex = gvr
    M = tl.zeros([BL, BL], dtype=tl.float32)
    for j in range(0, L):
        tj = c * C + j // R
        bj = tl.load(b_ptr + (n * T * R + c * C * R + j) * K + kk, mask=k_ok & (tj < T), other=0.0).to(tl.float32)
        ok = (t_row > j // R) & row_ok & (tj < T)
        col = _pair_col(a, bj, Gex, G_ptr, n, tj, Tp, kk, k_ok, ok, K, GK)
        gvj = tl.load(Gv_ptr + (n * Tp + tj) * V + vc).to(tl.float32)
        col = col * tl.exp(tl.where(ok, gvr - gvj, float("-inf")))
        M = tl.where(rows[None, :] == j, col[:, None], M)
    Tm = _unit_lower_inverse(M, rows, L)
    if GK == 2:
        a_dec = a * tl.exp(Gex)
    elif GK == 1:
        a_dec = a * tl.exp(Gex)[:, None]
    else:
        a_dec = a
    a_dec = a_dec * tl.exp(gvr)[:, None]
    W = _dot(Tm, a_dec, PREC)
    wbase0 = ((n * NC + c) * V + vc) * L
    tl.store(W_ptr + wbase0 * K + rows[:, None] * K + kk[None, :], W, mask=(rows < L)[:, None] & k_ok[None, :])
    rhs = tl.zeros([BL], dtype=tl.float32)
    LP: tl.constexpr = C * P
    for s in range(0, LP):
        ts = c * C + s // P
        ks = tl.load(k_ptr + (n * T * P + c * C * P + s) * K + kk, mask=k_ok & (ts < T), other=0.0).to(tl.float32)
        vs = tl.load(v_ptr + (n * T * P + c * C * P + s) * V + vc, mask=ts < T, other=0.0).to(tl.float32)
        ok = (t_row > s // P) & row_ok & (ts < T)
        col = _pair_col(a, ks, Gex, G_ptr, n, ts, Tp, kk, k_ok, ok, K, GK)
        gvs = tl.load(Gv_ptr + (n * Tp + ts) * V + vc).to(tl.float32)
        rhs += col * tl.exp(tl.where(ok, gvr - gvs, float("-inf"))) * vs
    U0 = tl.sum(Tm * rhs[None, :], 1)
    tl.store(U0_ptr + ((n * NC + c) * L + rows) * V + vc, U0, mask=rows < L)


@triton.jit
def _decayed_reader_rows(a, Gex, G_ptr, n, tj, Tp, kk, k_ok, ok, K: tl.constexpr, GK: tl.constexpr):
    """a_i * exp(Gex_i - G_tj) for the rows where ok (0 elsewhere): the reader rows of one source row's pair scores,
    shared by the sources of one token (_pair_col sums them against one source)."""
    if GK == 2:
        Gj = tl.load(G_ptr + (n * Tp + tj) * K + kk, mask=k_ok, other=0.0).to(tl.float32)
        return a * tl.exp(tl.where(ok[:, None] & k_ok[None, :], Gex - Gj[None, :], float("-inf")))
    elif GK == 1:
        Gj = tl.load(G_ptr + n * Tp + tj).to(tl.float32)
        return a * tl.exp(tl.where(ok, Gex - Gj, float("-inf")))[:, None]
    else:
        return tl.where(ok[:, None], a, 0.0)


@triton.jit
def _pair_col(a, y, Gex, G_ptr, n, tj, Tp, kk, k_ok, ok, K: tl.constexpr, GK: tl.constexpr):
    """sum_d a_i[d] y[d] exp(Gex_i[d] - G_tj[d]) for the rows where ok (0 elsewhere): one source row's pair scores
    (Gex the rows' exponents, e.g. G_(t_i - 1) in the WY system or a read's G_t)."""
    if GK == 2:
        return tl.sum(_decayed_reader_rows(a, Gex, G_ptr, n, tj, Tp, kk, k_ok, ok, K, GK) * y[None, :], 1)
    elif GK == 1:
        Gj = tl.load(G_ptr + n * Tp + tj).to(tl.float32)
        return tl.sum(a * y[None, :], 1) * tl.exp(tl.where(ok, Gex - Gj, float("-inf")))
    else:
        return tl.where(ok, tl.sum(a * y[None, :], 1), 0.0)


@triton.jit
def _skip_term(out, y_ptr, c_ptr, at, mask, h, oo, o_ok, rows, rows_ok, D_OUT: tl.constexpr, SKIP: tl.constexpr):
    """out + c y over a tile of a read's results: y the rows of an input laid out as the results (at, mask), c the
    head h's coefficient, one (SKIP 1) or one per result column (SKIP 2: [heads, D_OUT]), or each token's (SKIP 3:
    laid out as a per-token scalar, at the tile's rows); an output's skip term (chunk_scan_triton's skips: Mamba-2's
    o = S^T q + D v) added as the read is stored."""
    y = tl.load(y_ptr + at, mask=mask, other=0.0).to(tl.float32)
    if SKIP == 1:
        return out + tl.load(c_ptr + h).to(tl.float32) * y
    elif SKIP == 2:
        return out + tl.load(c_ptr + h * D_OUT + oo, mask=o_ok, other=0.0).to(tl.float32)[None, :] * y
    else:
        return out + tl.load(c_ptr + rows, mask=rows_ok, other=0.0).to(tl.float32)[:, None] * y


@triton.jit
def _fused_reads(S, u, x_ptr, o_ptr, b_ptr, k_ptr, v_ptr, G_ptr, Gex_ptr, n, c, T, Tp, HS, kk, k_ok, vv, v_ok,
                 oscale, skip_ptr, skipc_ptr, NH, vs_ptr, K: tl.constexpr, V: tl.constexpr, C: tl.constexpr,
                 R: tl.constexpr, P: tl.constexpr, BL: tl.constexpr, BLP: tl.constexpr, GK: tl.constexpr,
                 NREAD: tl.constexpr, BEFORE_MASK: tl.constexpr, RPREC: tl.constexpr, SKIP: tl.constexpr,
                 SKIP_READ: tl.constexpr, VS: tl.constexpr, NVB: tl.constexpr):
    """The forward's reads of one chunk, from the chunk-start state S and the chunk's pseudo-values u, each result
    times oscale (chunk_scan_triton's read_scales); read SKIP_READ plus its skip term (_skip_term) where SKIP; VS:
    the value rows weighed per token (vs_ptr, _state_kernel's). NVB: the launch's programs per sequence on its
    first axis (_first_and_block)."""
    t = tl.arange(0, C)
    tok = c * C + t
    t_ok = tok < T
    NSEQ = tl.num_programs(0) // NVB
    seq = _seq_row(n, T, HS)
    for r in tl.static_range(NREAD):
        x = tl.load(x_ptr + (r * NSEQ * T + seq) * K + (tok * HS)[:, None] * K + kk[None, :],
                    mask=t_ok[:, None] & k_ok[None, :], other=0.0)
        if GK == 1:
            if (BEFORE_MASK >> r) & 1:
                Gx = tl.load(Gex_ptr + n * Tp + tok, mask=t_ok, other=0.0).to(tl.float32)
            else:
                Gx = tl.load(G_ptr + n * Tp + tok, mask=t_ok, other=0.0).to(tl.float32)
            o = _dot(x, S, RPREC) * tl.exp(Gx)[:, None]
        else:
            Gx = tl.zeros([C], dtype=tl.float32)
            o = _dot(x, S, RPREC)
        if R > 0:
            o += _dot(_chunk_coef(x, Gx, b_ptr, G_ptr, n, c, T, Tp, HS, t, t_ok, kk, k_ok, K, C, R, BL,
                                    (BEFORE_MASK >> r) & 1, GK, RPREC), u, RPREC)
        if P > 0:
            prow = tl.arange(0, BLP)
            p_ok = (prow < C * P) & (c * C + prow // P < T)
            vp = tl.load(v_ptr + seq * P * V + ((c * C + prow // P) * HS * P + prow % P)[:, None] * V + vv[None, :],
                         mask=p_ok[:, None] & v_ok[None, :], other=0.0)
            cm = _chunk_coef(x, Gx, k_ptr, G_ptr, n, c, T, Tp, HS, t, t_ok, kk, k_ok, K, C, P, BLP,
                             (BEFORE_MASK >> r) & 1, GK, RPREC)
            if VS:
                cm = cm * _fold_scale(vs_ptr, c, n, T, HS, C, BLP, 2)[None, :]
            o += _dot(cm, vp, RPREC)
        o = o * oscale
        if SKIP > 0 and r == SKIP_READ:
            o = _skip_term(o, skip_ptr, skipc_ptr, seq * V + (tok * HS)[:, None] * V + vv[None, :],
                           t_ok[:, None] & v_ok[None, :], n % NH, vv, v_ok, seq + tok * HS, t_ok, V, SKIP)
        tl.store(o_ptr + (r * NSEQ * T + seq) * V + (tok * HS)[:, None] * V + vv[None, :], o,
                 mask=t_ok[:, None] & v_ok[None, :])


@triton.jit
def _first_and_block(first, NB: tl.constexpr, VADJ: tl.constexpr, AXIS: tl.constexpr = 2):
    """A launch's (first-axis index, block) for blocks on grid axis AXIS: (first, program_id(AXIS)), or with VADJ
    both from first = index * NB + block, the NB blocks next to each other (_grid_vadj). first: program_id(0), or
    its part above a further block (_state_kernel's KADJ)."""
    if VADJ:
        return first // NB, first % NB
    return first, tl.program_id(AXIS)


@triton.jit
def _initial_state(S0_ptr, n, kk, vv, smask, K: tl.constexpr, V: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr,
                   HAS_S0: tl.constexpr):
    """The [BK, BV] block of sequence n's initial state, fp32 (zeros without one)."""
    if HAS_S0:
        return tl.load(S0_ptr + n * K * V + kk[:, None] * V + vv[None, :], mask=smask, other=0.0).to(tl.float32)
    else:
        return tl.zeros([BK, BV], dtype=tl.float32)


@triton.jit
def _store_boundary_part(S, other_ptr, kv, m_kv, out_ptr, kk, k_ok, ROWS: tl.constexpr, scale):
    """A program's part of a key gate's boundary sum <other, S> over its [BK, BV] state block, times scale: the
    block's total at out_ptr (a scalar gate) or, with ROWS (a per-dimension gate), each key row's at out_ptr + kk."""
    E = S * tl.load(other_ptr + kv, mask=m_kv, other=0.0).to(tl.float32)
    if ROWS:
        tl.store(out_ptr + kk, tl.sum(E, 1) * scale, mask=k_ok)
    else:
        tl.store(out_ptr, tl.sum(tl.sum(E, 1), 0) * scale)


@_launched
@triton.jit
def _state_kernel(b_ptr, k_ptr, v_ptr, G_ptr, Gv_ptr, W_ptr, U0_ptr, S0_ptr, h_ptr, u_ptr, ST_ptr, T, Tp, NC,
                  Gex_ptr, x_ptr, o_ptr, fold_ptr, HS, OSCALE, TX, skip_ptr, skipc_ptr, NH, vs_ptr, hb_ptr, bsum_ptr,
                  K: tl.constexpr, V: tl.constexpr, C: tl.constexpr, R: tl.constexpr, P: tl.constexpr,
                  BL: tl.constexpr, BLP: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr,
                  GK: tl.constexpr, GV: tl.constexpr, HAS_S0: tl.constexpr, PREC: tl.constexpr,
                  COLW: tl.constexpr, STORE_H: tl.constexpr, NREAD: tl.constexpr, BEFORE_MASK: tl.constexpr,
                  RPREC: tl.constexpr, FOLD: tl.constexpr = 0, H_EVERY: tl.constexpr = 1,
                  DECAYED: tl.constexpr = False, SREV: tl.constexpr = False, SKIP: tl.constexpr = 0,
                  SKIP_READ: tl.constexpr = 0, VS: tl.constexpr = False, STORE_VNEW: tl.constexpr = False,
                  VADJ: tl.constexpr = False, KADJ: tl.constexpr = False, BND: tl.constexpr = 0,
                  BND_ADJ: tl.constexpr = False):
    """Walks the chunks of one sequence for one block of value columns, the state in registers. With NREAD > 0
    (scalar or no gates only) it also computes the forward's reads S^T x chunk by chunk, so the chunk states never
    go to memory (STORE_H off); SKIP > 0: read SKIP_READ stored with its skip term (_skip_term; NH heads). VS (P = 1,
    R = 0): the input pair's value rows weighed by a per-token scale from vs_ptr (chunk_scan_triton's value_scale). FOLD
    (one rank-one factor and one input, b = -s k'): the update b^T u + k'^T v' is taken as one product
    k'^T (v' - s u), s = 1 (FOLD 1) or per token from fold_ptr (FOLD 2); STORE_VNEW (FOLD): u_ptr takes those value
    rows v' - s u (fla's v_new) instead of u, for reads of the one pair (k', v' - s u). H_EVERY: the chunk-start
    states stored for every H_EVERY-th chunk only (reads in chunks of H_EVERY * C). Without rank-one factors and
    fused reads the state's rows are independent, and the launch may split the keys as well: program_id(2) picks a
    BK-row block. DECAYED (a per-dimension key gate): b and k already carry their decay to the chunk's end
    (_prep_kernel's DECAY), loaded as they are instead of with the chunk's [C, K] gate tile and its exponentials.
    SREV (no rank-one factors, no fused reads): the inputs k, v are the callers' tensors of TX tokens in their own
    order while the scan runs over reversed time padded to T (the adjoint; _reader_rows' REV), not flipped copies.
    VADJ: a sequence's value blocks adjacent in the launch order (program_id(0) = n * value blocks + vb, the grid's
    second axis 1), so that they run together and share the key-side tiles through L2 (_grid_vadj); KADJ (with VADJ,
    key blocks): a value block's key blocks next to each other too (program_id(0) = (n * value blocks + vb) * key
    blocks + kb, the grid's third axis 1), sharing its value tiles.
    BND (no value gate): a key gate's boundary sums <hb_(NC - c), S_c> for c = 1 .. NC - 1 from the state in
    registers and the other scan's chunk states hb [N, NC, K, V] (chunk_boundary_sums_triton's E without reading this
    scan's states back): the backward's rescan with the adjoint's states (in its reversed order), boundary c - 1, or
    with BND_ADJ the adjoint with the rescan's, boundary NC - 1 - c; this program's part into bsum: BND 1 (scalar
    gate) one sum over the block [N, NC - 1, value blocks, key blocks], BND 2 (per-dimension gate) its rows' sums over
    the block's values [N, NC - 1, value blocks, K]."""
    tl.static_assert(not SREV or (R == 0 and NREAD == 0), "reversed sources: input rows only")
    tl.static_assert(VADJ or not KADJ, "the key blocks adjacent within adjacent value blocks")
    tl.static_assert(BND == 0 or GV == 0, "boundary sums: no value gate")
    NKB: tl.constexpr = (K + BK - 1) // BK
    NVB: tl.constexpr = (V + BV - 1) // BV
    if KADJ:
        n, vb = _first_and_block(tl.program_id(0) // NKB, NVB, VADJ, 1)
        kb = tl.program_id(0) % NKB
    else:
        n, vb = _first_and_block(tl.program_id(0), NVB, VADJ, 1)
        kb = tl.program_id(2)
    kk = kb * BK + tl.arange(0, BK)
    n = n.to(tl.int64)  # 64-bit offsets: N*NC*K*V passes 2^31 at long T
    k_ok = kk < K
    vv = vb * BV + tl.arange(0, BV)
    v_ok = vv < V
    smask = k_ok[:, None] & v_ok[None, :]
    S = _initial_state(S0_ptr, n, kk, vv, smask, K, V, BK, BV, HAS_S0)
    L: tl.constexpr = C * R
    LP: tl.constexpr = C * P
    u = tl.zeros([BL, BV], dtype=tl.float32)
    seq = _seq_row(n, T, HS)
    for c in range(0, NC):
        if STORE_H:
            if c % H_EVERY == 0:
                NCH = (NC + H_EVERY - 1) // H_EVERY
                tl.store(h_ptr + (n * NCH + c // H_EVERY) * K * V + kk[:, None] * V + vv[None, :], S, mask=smask)
        if BND:
            if c > 0:
                at = (n * (NC - 1) + (NC - 1 - c if BND_ADJ else c - 1)) * NVB + vb
                _store_boundary_part(S, hb_ptr + (n * NC + NC - c) * K * V, kk[:, None] * V + vv[None, :], smask,
                                     bsum_ptr + (at * NKB + kb if BND == 1 else at * K), kk, k_ok, BND == 2, 1.0)
        last = c * C + C - 1
        if GK == 1:
            GC = tl.load(G_ptr + n * Tp + last).to(tl.float32)
        if GK == 2:
            GCv = tl.load(G_ptr + (n * Tp + last) * K + kk, mask=k_ok, other=0.0).to(tl.float32)
        if GV:
            GvC = tl.load(Gv_ptr + (n * Tp + last) * V + vv, mask=v_ok, other=0.0).to(tl.float32)
        if R > 0:
            rows = tl.arange(0, BL)
            t_row = rows // R
            tok = c * C + t_row
            row_ok = (rows < L) & (tok < T)
            wbase0 = (n * NC + c) * L
            U0c = tl.load(U0_ptr + wbase0 * V + rows[:, None] * V + vv[None, :], mask=(rows < L)[:, None] & v_ok[None, :],
                          other=0.0).to(tl.float32)
            if COLW:
                u = U0c
                vcol = tl.arange(0, BV)
                for vi in tl.static_range(BV):
                    v_i = vb * BV + vi
                    wv = tl.load(W_ptr + (((n * NC + c) * V + v_i) * L + rows)[:, None] * K + kk[None, :],
                                 mask=(rows < L)[:, None] & k_ok[None, :] & (v_i < V), other=0.0).to(tl.float32)
                    s_col = tl.sum(tl.where(vcol[None, :] == vi, S, 0.0), 1)
                    u_col = tl.sum(wv * s_col[None, :], 1)
                    u = tl.where(vcol[None, :] == vi, u + u_col[:, None], u)
            else:
                Wc = tl.load(W_ptr + wbase0 * K + rows[:, None] * K + kk[None, :], mask=(rows < L)[:, None] & k_ok[None, :],
                             other=0.0)
                u = _dot(Wc, S, PREC) + U0c
            roff = (tok * HS * R + rows % R)[:, None]
            if not STORE_VNEW:
                tl.store(u_ptr + seq * R * V + roff * V + vv[None, :], u.to(u_ptr.dtype.element_ty),
                         mask=row_ok[:, None] & v_ok[None, :])
        if NREAD > 0:
            _fused_reads(S, u, x_ptr, o_ptr, b_ptr, k_ptr, v_ptr, G_ptr, Gex_ptr, n, c, T, Tp, HS,
                         kk, k_ok, vv, v_ok, OSCALE, skip_ptr, skipc_ptr, NH, vs_ptr, K, V, C, R, P, BL, BLP, GK,
                         NREAD, BEFORE_MASK, RPREC, SKIP, SKIP_READ, VS,
                         ((V + BV - 1) // BV) * (NKB if KADJ else 1) if VADJ else 1)
        # the chunk's decay and inputs, after the reads: one [K, BV] state tile live across them, not two
        if GK == 1:
            S = S * tl.exp(GC)
        if GK == 2:
            S = S * tl.exp(GCv)[:, None]
        if GV:
            S = S * tl.exp(GvC)[None, :]
        if R > 0 and FOLD == 0:
            b = tl.load(b_ptr + seq * R * K + roff * K + kk[None, :], mask=row_ok[:, None] & k_ok[None, :], other=0.0).to(tl.float32)
            if GK == 1:
                Gr = tl.load(G_ptr + n * Tp + tok, mask=row_ok, other=0.0).to(tl.float32)
                b = b * tl.exp(GC - Gr)[:, None]
            if GK == 2 and not DECAYED:
                Gr2 = tl.load(G_ptr + (n * Tp) * K + tok[:, None] * K + kk[None, :],
                              mask=row_ok[:, None] & k_ok[None, :], other=0.0).to(tl.float32)
                b = b * tl.exp(tl.where(row_ok[:, None] & k_ok[None, :], GCv[None, :] - Gr2, float("-inf")))
            if GV:
                Gvr = tl.load(Gv_ptr + (n * Tp) * V + tok[:, None] * V + vv[None, :], mask=row_ok[:, None] & v_ok[None, :],
                              other=0.0).to(tl.float32)
                u = u * tl.exp(tl.where(row_ok[:, None] & v_ok[None, :], GvC[None, :] - Gvr, float("-inf")))
            S += _dot(tl.trans(b), u, PREC)
        if P > 0:
            prow = tl.arange(0, BLP)
            ptok = c * C + prow // P
            p_ok = (prow < LP) & (ptok < T)
            kp = _source_rows(k_ptr, c, n, T, HS, kk, k_ok, K, C, P, BLP, TX, SREV)
            vp = _source_rows(v_ptr, c, n, T, HS, vv, v_ok, V, C, P, BLP, TX, SREV)
            if FOLD > 0:
                vp = vp.to(tl.float32) - _fold_scale(fold_ptr, c, n, T, HS, C, BLP, FOLD)[:, None] * u
                if STORE_VNEW:  # R = P = 1: u's rows are the tokens'
                    tl.store(u_ptr + seq * V + (ptok * HS)[:, None] * V + vv[None, :], vp.to(u_ptr.dtype.element_ty),
                             mask=p_ok[:, None] & v_ok[None, :])
            if GK == 1:
                Gp = tl.load(G_ptr + n * Tp + ptok, mask=p_ok, other=0.0).to(tl.float32)
                if VS:
                    vp = vp * (tl.exp(GC - Gp) * _fold_scale(vs_ptr, c, n, T, HS, C, BLP, 2))[:, None]
                else:
                    vp = vp * tl.exp(GC - Gp)[:, None]
            elif VS:
                vp = vp * _fold_scale(vs_ptr, c, n, T, HS, C, BLP, 2)[:, None]
            if GK == 2 and not DECAYED:
                Gp2 = tl.load(G_ptr + (n * Tp) * K + ptok[:, None] * K + kk[None, :],
                              mask=p_ok[:, None] & k_ok[None, :], other=0.0).to(tl.float32)
                kp = kp * tl.exp(tl.where(p_ok[:, None] & k_ok[None, :], GCv[None, :] - Gp2, float("-inf")))
            if GV:
                Gvp = tl.load(Gv_ptr + (n * Tp) * V + ptok[:, None] * V + vv[None, :],
                              mask=p_ok[:, None] & v_ok[None, :], other=0.0).to(tl.float32)
                vp = vp * tl.exp(tl.where(p_ok[:, None] & v_ok[None, :], GvC[None, :] - Gvp, float("-inf")))
            S += _dot(tl.trans(kp), vp, PREC)
    tl.store(ST_ptr + n * K * V + kk[:, None] * V + vv[None, :], S, mask=smask)


@triton.jit
def _returned_decays(Go, Gosrc_ptr, n, tj, ok_t, oo, o_ok, Tp, D_OUT: tl.constexpr, GOUT: tl.constexpr,
                     PER_ROW: tl.constexpr = False):
    """The returned side's decays e^{Go_t - G_j} of source row j = tj where ok_t, 0 elsewhere: [rows, BO] (vector
    gate), [rows, 1] (scalar gate), 1 (no gate). PER_ROW: tj gives each row its own source row."""
    if GOUT == 2:
        if PER_ROW:
            Goj = tl.load(Gosrc_ptr + (n * Tp) * D_OUT + tj[:, None] * D_OUT + oo[None, :],
                          mask=ok_t[:, None] & o_ok[None, :], other=0.0).to(tl.float32)
        else:
            Goj = tl.load(Gosrc_ptr + (n * Tp + tj) * D_OUT + oo, mask=o_ok, other=0.0).to(tl.float32)[None, :]
        return _masked_decays(Go, Goj, ok_t, o_ok, GOUT)
    elif GOUT == 1:
        if PER_ROW:
            Goj = tl.load(Gosrc_ptr + n * Tp + tj, mask=ok_t, other=0.0).to(tl.float32)
        else:
            Goj = tl.load(Gosrc_ptr + n * Tp + tj).to(tl.float32)
        return _masked_decays(Go, Goj, ok_t, o_ok, GOUT)
    else:
        return 1.0


@triton.jit
def _masked_decays(Go, Goj, ok_t, o_ok, GOUT: tl.constexpr):
    """e^{Go_t - Goj} where ok_t (and the column exists), 0 elsewhere: [rows, BO] for a vector gate, [rows, 1] for a
    scalar one (_returned_decays' and _half_returned_decays' common end)."""
    if GOUT == 2:
        return tl.exp(tl.where(ok_t[:, None] & o_ok[None, :], Go - Goj, float("-inf")))
    else:
        return tl.exp(tl.where(ok_t, Go - Goj, float("-inf")))[:, None]


@triton.jit
def _add_decayed(out, M, Go, Gosrc_ptr, n, tj, ok_t, oo, o_ok, Tp, D_OUT: tl.constexpr, GOUT: tl.constexpr):
    """out + M with the returned side's decays e^{Go_t - G_j} of source row j where ok_t (M is zero elsewhere)."""
    if GOUT == 0:
        return out + M
    else:
        return out + M * _returned_decays(Go, Gosrc_ptr, n, tj, ok_t, oo, o_ok, Tp, D_OUT, GOUT)


@triton.jit
def _add_decayed_outer(out, cj, wj, Go, Gosrc_ptr, n, tj, ok_t, oo, o_ok, Tp, D_OUT: tl.constexpr,
                       GOUT: tl.constexpr):
    """out + cj wj^T with the returned side's decays e^{Go_t - G_j} where ok_t (cj is zero elsewhere)."""
    return _add_decayed(out, cj[:, None] * wj[None, :], Go, Gosrc_ptr, n, tj, ok_t, oo, o_ok, Tp, D_OUT, GOUT)


@triton.jit
def _pairs_loop(out, x, Gi, Go, s_ptr, q_ptr, Gi_src, Go_src, c, n, T, Tp, HS, t, t_ok, ii, i_ok, oo, o_ok, j0, j1,
                D_IN: tl.constexpr, D_OUT: tl.constexpr, C: tl.constexpr, NR: tl.constexpr, BEFORE: tl.constexpr,
                GIN: tl.constexpr, GOUT: tl.constexpr, u_ptr=None, fold_ptr=None, FOLD: tl.constexpr = 0,
                FOLD_IN: tl.constexpr = False):
    """Add the pair terms of source rows j0 .. j1-1 of the chunk one row at a time (exact: every exponent is a
    non-positive difference G_t - G_s). FOLD (the delta rule's b = -s k', one row per token): the rank-one pair
    joins the input pair, s_j u_j taken off the input's value row v'_j, which is the returned row (key-side reads)
    or, with FOLD_IN, the contracted row (value-side reads)."""
    seq = _seq_row(n, T, HS)
    for j in range(j0, j1):
        tj = c * C + j // NR
        ok_t = ((t > j // NR) if BEFORE else (t >= j // NR)) & t_ok & (tj < T)
        rb = (seq + tj * HS) * NR + j % NR
        sj = tl.load(s_ptr + rb * D_IN + ii, mask=i_ok & (tj < T), other=0.0).to(tl.float32)
        wj = tl.load(q_ptr + rb * D_OUT + oo, mask=o_ok & (tj < T), other=0.0).to(tl.float32)
        if FOLD > 0:
            sc = 1.0
            if FOLD == 2:
                sc = tl.load(fold_ptr + seq + tj * HS, mask=tj < T, other=0.0).to(tl.float32)
            if FOLD_IN:
                sj -= sc * tl.load(u_ptr + rb * D_IN + ii, mask=i_ok & (tj < T), other=0.0).to(tl.float32)
            else:
                wj -= sc * tl.load(u_ptr + rb * D_OUT + oo, mask=o_ok & (tj < T), other=0.0).to(tl.float32)
        cj = _pair_col(x, sj, Gi, Gi_src, n, tj, Tp, ii, i_ok, ok_t, D_IN, GIN)
        out = _add_decayed_outer(out, cj, wj, Go, Go_src, n, tj, ok_t, oo, o_ok, Tp, D_OUT, GOUT)
    return out


@_launched
@triton.jit
def _read_sub_kernel(x_ptr, s_ptr, w_ptr, G_ptr, Gex_ptr, Gv_ptr, Gvex_ptr, h_ptr, out_ptr, T, Tp, NC, HS, TX, OSCALE,
                     D_IN: tl.constexpr, D_OUT: tl.constexpr, K: tl.constexpr, V: tl.constexpr, C: tl.constexpr,
                     BI: tl.constexpr, BO: tl.constexpr, SIDE_K: tl.constexpr, BEFORE: tl.constexpr,
                     GIN: tl.constexpr, GOUT: tl.constexpr, PREC: tl.constexpr, REV: tl.constexpr = False,
                     VADJ: tl.constexpr = False):
    """A read with one source row per token (no rank-one factors, one input) in chunks of C = 16 * NSB, for
    gates of any kind: the chunk-start term, then for each 16-row block I the exact pairs within the block (one
    source row at a time) and, for each earlier block J, one tensor-core product through J's last row r:
    e^{G_t - G_s} = e^{G_t - G_r} e^{G_r - G_s}, both factors at most 1 (G is non-increasing in time). VADJ: a
    chunk's output blocks adjacent in the launch order (_first_and_block)."""
    c, ob = _first_and_block(tl.program_id(0), (D_OUT + BO - 1) // BO, VADJ)
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets
    ii = tl.arange(0, BI)
    i_ok = ii < D_IN
    oo = ob * BO + tl.arange(0, BO)
    o_ok = oo < D_OUT
    Gi_ptr, Go_ptr, Gi_src, Go_src, Sblk = _read_sides(G_ptr, Gex_ptr, Gv_ptr, Gvex_ptr, h_ptr, n, c, NC, ii, i_ok, oo,
                                                       o_ok, K, V, SIDE_K, BEFORE)
    SB: tl.constexpr = 16
    NSB: tl.constexpr = C // SB
    s_seq = _seq_base(s_ptr, n, T, HS, D_IN)
    w_seq = _seq_base(w_ptr, n, T, HS, D_OUT)
    for I in tl.static_range(NSB):
        t = I * SB + tl.arange(0, SB)
        tok = c * C + t
        t_ok = tok < T
        xseq, xrow, x_ok = _reader_rows(n, tok, T, TX, HS, REV)
        x = tl.load(x_ptr + xseq * D_IN + xrow[:, None] * D_IN + ii[None, :], mask=(t_ok & x_ok)[:, None] & i_ok[None, :],
                    other=0.0).to(tl.float32)
        Gi = _gate_rows(Gi_ptr, n, tok, t_ok, ii, i_ok, Tp, D_IN, GIN, SB)
        Go = _gate_rows(Go_ptr, n, tok, t_ok, oo, o_ok, Tp, D_OUT, GOUT, SB)
        if GIN == 1:
            out = _dot(x * tl.exp(Gi)[:, None], Sblk, PREC)
        elif GIN == 2:
            out = _dot(x * tl.exp(Gi), Sblk, PREC)
        else:
            out = _dot(x, Sblk, PREC)
        if GOUT == 1:
            out = out * tl.exp(Go)[:, None]
        elif GOUT == 2:
            out = out * tl.exp(Go)
        for J in tl.static_range(NSB):
            if J < I:
                s = J * SB + tl.arange(0, SB)
                stok = c * C + s
                s_ok = stok < T
                src = tl.load(s_seq + (stok * HS)[:, None] * D_IN + ii[None, :], mask=s_ok[:, None] & i_ok[None, :],
                              other=0.0).to(tl.float32)
                w = tl.load(w_seq + (stok * HS)[:, None] * D_OUT + oo[None, :], mask=s_ok[:, None] & o_ok[None, :],
                            other=0.0).to(tl.float32)
                ref = c * C + J * SB + SB - 1
                Gir = _gate_row(Gi_src, n, ref, ii, i_ok, Tp, D_IN, GIN)
                Gor = _gate_row(Go_src, n, ref, oo, o_ok, Tp, D_OUT, GOUT)
                Gis = _gate_rows(Gi_src, n, stok, s_ok, ii, i_ok, Tp, D_IN, GIN, SB)
                Gos = _gate_rows(Go_src, n, stok, s_ok, oo, o_ok, Tp, D_OUT, GOUT, SB)
                coef = _dot(_decay_rows(x, Gi, Gir, GIN, 1), tl.trans(_decay_rows(src, Gis, Gir, GIN, -1)), PREC)
                part = _dot(coef, _decay_rows(w, Gos, Gor, GOUT, -1), PREC)
                out += _decay_rows(part, Go, Gor, GOUT, 1)
        out = _pairs_loop(out, x, Gi, Go, s_ptr, w_ptr, Gi_src, Go_src, c, n, T, Tp, HS, t, t_ok, ii, i_ok, oo, o_ok,
                          I * SB, I * SB + SB, D_IN, D_OUT, C, 1, BEFORE, GIN, GOUT)
        tl.store(out_ptr + xseq * D_OUT + xrow[:, None] * D_OUT + oo[None, :], out * OSCALE,
                 mask=(t_ok & x_ok)[:, None] & o_ok[None, :])


@triton.jit
def _reader_slice(x_ptr, Gi_ptr, n, tok, t_ok, ii, i_ok, T, Tp, HS, TX, D_IN: tl.constexpr, GIN: tl.constexpr,
                  ROWS: tl.constexpr, REV: tl.constexpr):
    """A reader's rows tok over the dimensions ii (fp32, zeros past T) and their log-gates (_gate_rows); TX and REV
    as in _reader_rows."""
    xseq, xrow, x_ok = _reader_rows(n, tok, T, TX, HS, REV)
    x = tl.load(x_ptr + xseq * D_IN + xrow[:, None] * D_IN + ii[None, :], mask=(t_ok & x_ok)[:, None] & i_ok[None, :],
                other=0.0).to(tl.float32)
    return x, _gate_rows(Gi_ptr, n, tok, t_ok, ii, i_ok, Tp, D_IN, GIN, ROWS)


@triton.jit
def _decayed_reader_slice(x_ptr, Gi_ptr, n, tok, t_ok, ii, i_ok, T, Tp, HS, TX, D_IN: tl.constexpr,
                          GIN: tl.constexpr, ROWS: tl.constexpr, REV: tl.constexpr):
    """A reader's rows times e^{Gi} (the factor that meets the chunk-start state)."""
    x, Gi = _reader_slice(x_ptr, Gi_ptr, n, tok, t_ok, ii, i_ok, T, Tp, HS, TX, D_IN, GIN, ROWS, REV)
    if GIN == 1:
        x = x * tl.exp(Gi)[:, None]
    elif GIN == 2:
        x = x * tl.exp(Gi)
    return x


@triton.jit
def _seq_base(ptr, n, T, HS, D: tl.constexpr):
    """Where sequence n's rows of D values start in a per-token tensor (_seq_row): computed once per program, before
    the loops (an address recomputed inside them cost the token layout registers: GLA's value-side read went
    from 128 to 142 and its time +20 %, session 18, call 1)."""
    return ptr + _seq_row(n, T, HS) * D


@triton.jit
def _src_row0(n, T, TS, HS, SREV: tl.constexpr):
    """The row of scan position 0 in a per-token source tensor (_seq_row), position p's being _src_step * p rows
    further: the scan's own rows, or SREV the callers' tensor of TS tokens in their own order while the scan runs over
    reversed time padded to T (the adjoint, chunk_scan_triton's reversed_sources: position p is token T - 1 - p)."""
    if SREV:
        return _seq_row(n, TS, HS) + (T - 1) * HS
    return _seq_row(n, T, HS)


@triton.jit
def _src_step(HS, SREV: tl.constexpr):
    """Rows between consecutive scan positions of a source tensor (_src_row0)."""
    if SREV:
        return -HS
    return HS


@triton.jit
def _src_ok(tj, T, TS, SREV: tl.constexpr):
    """Which scan positions tj have a source row: those before T, and with SREV not in the padding (tj >= T - TS)."""
    if SREV:
        return (tj < T) & (tj >= T - TS)
    return tj < T


@triton.jit
def _src_base(ptr, n, T, TS, HS, D: tl.constexpr, SREV: tl.constexpr):
    """Where scan position 0's row of D values lies in a per-token source tensor (_seq_base, _src_row0)."""
    return ptr + _src_row0(n, T, TS, HS, SREV) * D


@triton.jit
def _source_row(s_seq, tj, T, TS, HS, dd, d_ok, D: tl.constexpr, SREV: tl.constexpr):
    """One source row tj over the dimensions dd (fp32, zeros where _src_ok is not) of a sequence whose position 0
    lies at s_seq (_src_base)."""
    return tl.load(s_seq + tj * _src_step(HS, SREV) * D + dd, mask=d_ok & _src_ok(tj, T, TS, SREV),
                   other=0.0).to(tl.float32)


@triton.jit
def _offdiag_scores(x, Gi, s_seq, Gs_ptr, n, stok, s_ok, ref, Tp, s_step, ii, i_ok, D_IN: tl.constexpr,
                    SB: tl.constexpr, GIN: tl.constexpr, PREC: tl.constexpr):
    """The scores of the reader rows x (log-gates Gi) against an earlier block's source rows stok (s_step rows
    apart, _src_step), through that block's last row ref on the tensor cores: (x e^{Gi - G_ref}) (src e^{G_ref -
    Gs})^T, both factors at most 1. A second source's call shares the reader's decayed form (the compiler merges the
    identical products)."""
    src = tl.load(s_seq + (stok * s_step)[:, None] * D_IN + ii[None, :], mask=s_ok[:, None] & i_ok[None, :],
                  other=0.0).to(tl.float32)
    Gr = _gate_row(Gs_ptr, n, ref, ii, i_ok, Tp, D_IN, GIN)
    Gs = _gate_rows(Gs_ptr, n, stok, s_ok, ii, i_ok, Tp, D_IN, GIN, SB)
    return _dot(_decay_rows(x, Gi, Gr, GIN, 1), tl.trans(_decay_rows(src, Gs, Gr, GIN, -1)), PREC)


@_launched
@triton.jit
def _chunk_cumsum_kernel(g_ptr, G_ptr, Gex_ptr, T, Tp, HS, TREV, D: tl.constexpr, C: tl.constexpr,
                         BD: tl.constexpr, EX: tl.constexpr = True, REV: tl.constexpr = False, ZE: tl.constexpr = 0):
    """Within-chunk sums of a per-dimension log-gate g [N, T, D] (or [B, T, HS, D], _seq_row): G (inclusive) and,
    with EX, G - g (exclusive), fp32 [N, Tp, D], the rows past T summing zeros. One program per (chunk, sequence,
    block of BD dimensions). REV: position p sums the gate of token TREV - p (the adjoint's gates, shifted by one
    token and flipped over its TREV positions, read where they lie: chunk_scan_triton's reversed_gates). ZE > 0: the
    gate of every token t = ZE, 2 ZE, ... taken as 0 (the chunk-level adjoint's reads: each forward chunk's state
    term decays from the chunk's end)."""
    c = tl.program_id(0)
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets
    dd = tl.program_id(2) * BD + tl.arange(0, BD)
    d_ok = dd < D
    tok = c * C + tl.arange(0, C)
    if REV:
        gt = TREV - tok
        g_ok = (gt > 0) & (gt < T)  # token 0 is shifted out; positions past TREV are padding
    else:
        gt = tok
        g_ok = gt < T
    if ZE > 0:
        g_ok = g_ok & ((gt % ZE != 0) | (gt == 0))
    g = tl.load(g_ptr + _seq_row(n, T, HS) * D + (gt * HS)[:, None] * D + dd[None, :],
                mask=g_ok[:, None] & d_ok[None, :], other=0.0).to(tl.float32)
    G = tl.cumsum(g, 0)
    out = (n * Tp + tok[:, None]) * D + dd[None, :]
    tl.store(G_ptr + out, G, mask=d_ok[None, :])
    if EX:
        tl.store(Gex_ptr + out, G - g, mask=d_ok[None, :])


@_launched
@triton.jit
def _sub_diag_scores_kernel(x_ptr, s_ptr, s2_ptr, Gi_ptr, Gs_ptr, A_ptr, A2_ptr, x2_ptr, A3_ptr, A4_ptr, T, Tp, NC,
                            HS, TX, TS, D_IN: tl.constexpr, C: tl.constexpr, BI: tl.constexpr, BEFORE: tl.constexpr,
                            GIN: tl.constexpr, TWO: tl.constexpr, PARTS: tl.constexpr = 1, REV: tl.constexpr = False,
                            X2: tl.constexpr = False, SREV: tl.constexpr = False):
    """The diagonal 16-row blocks of a sub-chunked read's pair scores A[t, s] = sum_i x_t[i] src_s[i]
    exp(Gi_t[i] - Gs_s[i]) for s <= t (s < t with BEFORE), fp32 [N, NC, C, C], chunks of C = 16 * NSB rows with one
    source row per token: one program per (chunk, block), one source row at a time, each column stored as it is
    summed (_sub_offdiag_kernel writes the blocks below; those above are not written, the read-out masks them).
    TWO: the scores of a second source s2 with the same decays into A2, the exponentials shared (a rank-one
    factor's pair beside the input's). PARTS > 1 cuts the block into PARTS groups of rows: a group against an
    earlier group's sources goes through that group's last row r (e^{Gi_t - G_r} once per reader element and
    e^{G_r - G_s} once per source element, both at most 1) instead of one exponential per pair and element; only
    the groups on the diagonal go pair by pair (PARTS = 2: 44 % fewer exponentials). X2 (with BEFORE, Gi the
    exclusive gates G - g and Gs the inclusive G): a second reader x2 after the update into A3 (and A4 for s2) from
    the same exponentials, e^{G_t - G_s} = e^{g_t} e^{Gex_t - G_s} with e^{g_t} <= 1 taken into x2's rows once, the
    pair s = t (no decay) added apart. TS, SREV: the sources' tokens and order (_src_row0)."""
    SB: tl.constexpr = 16
    NSB: tl.constexpr = C // SB
    HB: tl.constexpr = SB // PARTS
    c = tl.program_id(0) // NSB
    I = tl.program_id(0) % NSB
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets
    ii = tl.arange(0, BI)
    i_ok = ii < D_IN
    hb = tl.arange(0, HB)
    s_seq = _src_base(s_ptr, n, T, TS, HS, D_IN, SREV)
    s2_seq = _src_base(s2_ptr, n, T, TS, HS, D_IN, SREV)
    for p in tl.static_range(PARTS):
        t = I * SB + p * HB + hb
        tok = c * C + t
        t_ok = tok < T
        x, Gi = _reader_slice(x_ptr, Gi_ptr, n, tok, t_ok, ii, i_ok, T, Tp, HS, TX, D_IN, GIN, HB, REV)
        cols = (n * NC + c) * C * C + t * C + I * SB
        if X2:
            x2 = _reader_slice(x2_ptr, Gi_ptr, n, tok, t_ok, ii, i_ok, T, Tp, HS, TX, D_IN, 0, HB, REV)[0]
            x2g = x2 * _decays(_gate_rows(Gs_ptr, n, tok, t_ok, ii, i_ok, Tp, D_IN, GIN, HB), Gi, GIN)
            # the pair s = t of the read after the update: x2_t . src_t, no decay
            self_term = tl.sum(x2 * _diag_source_rows(s_seq, tok, T, TS, HS, ii, i_ok, D_IN, True, SREV), 1)
            self_term2 = self_term
            if TWO:
                self_term2 = tl.sum(x2 * _diag_source_rows(s2_seq, tok, T, TS, HS, ii, i_ok, D_IN, True, SREV), 1)
        for q in tl.static_range(p):
            ref = c * C + I * SB + q * HB + HB - 1
            Gr = _gate_row(Gs_ptr, n, ref, ii, i_ok, Tp, D_IN, GIN)
            Ed = _decay_rows(1.0, Gi, Gr, GIN, 1)  # e^{Gi_t - G_r}, one factor for both readers
            xd = x * Ed
            if X2:
                xd2 = x2g * Ed
            for j in range(HB):
                tj = c * C + I * SB + q * HB + j
                keep = t_ok & (tj < T)
                e = _source_decay(Gs_ptr, n, tj, Gr, ii, i_ok, Tp, D_IN, GIN)
                sj = _source_row(s_seq, tj, T, TS, HS, ii, i_ok, D_IN, SREV)
                tl.store(A_ptr + cols + q * HB + j, tl.where(keep, tl.sum(xd * (sj * e)[None, :], 1), 0.0))
                if X2:
                    tl.store(A3_ptr + cols + q * HB + j, tl.where(keep, tl.sum(xd2 * (sj * e)[None, :], 1), 0.0))
                if TWO:
                    sj2 = _source_row(s2_seq, tj, T, TS, HS, ii, i_ok, D_IN, SREV)
                    tl.store(A2_ptr + cols + q * HB + j, tl.where(keep, tl.sum(xd * (sj2 * e)[None, :], 1), 0.0))
                    if X2:
                        tl.store(A4_ptr + cols + q * HB + j,
                                 tl.where(keep, tl.sum(xd2 * (sj2 * e)[None, :], 1), 0.0))
        for q in tl.static_range(p + 1, PARTS):  # the groups above: the read-out masks only whole 16-row blocks
            zero = tl.zeros([HB, HB], dtype=tl.float32)
            tl.store(A_ptr + cols[:, None] + q * HB + hb[None, :], zero)
            if TWO:
                tl.store(A2_ptr + cols[:, None] + q * HB + hb[None, :], zero)
            if X2:
                tl.store(A3_ptr + cols[:, None] + q * HB + hb[None, :], zero)
                if TWO:
                    tl.store(A4_ptr + cols[:, None] + q * HB + hb[None, :], zero)
        for j in range(HB):
            tj = c * C + I * SB + p * HB + j
            ok_t = ((hb > j) if BEFORE else (hb >= j)) & t_ok & (tj < T)
            sj = _source_row(s_seq, tj, T, TS, HS, ii, i_ok, D_IN, SREV)
            if X2:
                D = _decayed_reader_rows(1.0, Gi, Gs_ptr, n, tj, Tp, ii, i_ok, ok_t, D_IN, GIN)
                xe = x * D
                xe2 = x2g * D
                is_self = (hb == j) & t_ok & (tj < T)
                tl.store(A_ptr + cols + p * HB + j, tl.sum(xe * sj[None, :], 1))
                tl.store(A3_ptr + cols + p * HB + j, tl.sum(xe2 * sj[None, :], 1) + tl.where(is_self, self_term, 0.0))
                if TWO:
                    sj2 = _source_row(s2_seq, tj, T, TS, HS, ii, i_ok, D_IN, SREV)
                    tl.store(A2_ptr + cols + p * HB + j, tl.sum(xe * sj2[None, :], 1))
                    tl.store(A4_ptr + cols + p * HB + j,
                             tl.sum(xe2 * sj2[None, :], 1) + tl.where(is_self, self_term2, 0.0))
            elif TWO:
                xe = _decayed_reader_rows(x, Gi, Gs_ptr, n, tj, Tp, ii, i_ok, ok_t, D_IN, GIN)
                sj2 = _source_row(s2_seq, tj, T, TS, HS, ii, i_ok, D_IN, SREV)
                tl.store(A_ptr + cols + p * HB + j, tl.sum(xe * sj[None, :], 1))
                tl.store(A2_ptr + cols + p * HB + j, tl.sum(xe * sj2[None, :], 1))
            else:
                tl.store(A_ptr + cols + p * HB + j, _pair_col(x, sj, Gi, Gs_ptr, n, tj, Tp, ii, i_ok, ok_t, D_IN, GIN))


@triton.jit
def _decays(Ghi, Glo, G: tl.constexpr):
    """e^{Ghi - Glo} row by row (Ghi <= Glo up to rounding: the exponent is taken as at most 0) as a factor of
    [rows, BD] tiles: [rows, BD] (vector gate), [rows, 1] (scalar gate), 1 (no gate)."""
    if G == 2:
        return tl.exp(tl.minimum(Ghi - Glo, 0.0))
    elif G == 1:
        return tl.exp(tl.minimum(Ghi - Glo, 0.0))[:, None]
    else:
        return 1.0


@triton.jit
def _source_decay(G_ptr, n, tj, Gr, dd, d_ok, Tp, D: tl.constexpr, G: tl.constexpr):
    """e^{G_r - G_tj} for a source row tj before the reference row r (at most 1): a [BD] vector, a scalar, or 1."""
    if G == 0:
        return 1.0
    return tl.exp(Gr - _gate_row(G_ptr, n, tj, dd, d_ok, Tp, D, G))


@_launched
@triton.jit
def _plain_scores_kernel(x_ptr, s_ptr, s2_ptr, A_ptr, A2_ptr, su_ptr, ss_ptr, T, NC, HS, TX, TS, D_IN: tl.constexpr,
                         C: tl.constexpr, BI: tl.constexpr, BK: tl.constexpr, BEFORE: tl.constexpr,
                         PREC: tl.constexpr, TWO: tl.constexpr, REV: tl.constexpr = False, SFOLD: tl.constexpr = 0,
                         SREV: tl.constexpr = False):
    """A sub-chunked read's pair scores when the contracted side has no gate: A[t, s] = x_t . src_s for s <= t
    (s < t with BEFORE), zeros above, the whole chunk as one product on the tensor cores over slices of BK
    dimensions (no 16-row blocks, no reference rows, no pair-by-pair diagonal: those exist for the decays). One
    program per chunk; TWO: a second source into A2. SFOLD (the delta rule's fold, as _state_kernel's FOLD): the
    sources are v' - s u, made here from v' (s_ptr), u (su_ptr) and s (1, or per token from ss_ptr). TS, SREV: the
    sources' tokens and order (_src_row0)."""
    c = tl.program_id(0)
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets
    t = tl.arange(0, C)
    tok = c * C + t
    t_ok = tok < T
    seq = _src_row0(n, T, TS, HS, SREV) * D_IN
    xseq, xrow, x_ok = _reader_rows(n, tok, T, TX, HS, REV)
    blk = tl.zeros([C, C], dtype=tl.float32)
    blk2 = tl.zeros([C, C], dtype=tl.float32)
    if SFOLD > 0:
        s_fold = _fold_scale(ss_ptr, c, n, T, HS, C, C, SFOLD)
    for i0 in range(0, D_IN, BK):
        ii = i0 + tl.arange(0, BK)
        i_ok = ii < D_IN
        rows = (tok * _src_step(HS, SREV))[:, None] * D_IN + ii[None, :]
        m = _src_ok(tok, T, TS, SREV)[:, None] & i_ok[None, :]
        x = tl.load(x_ptr + xseq * D_IN + xrow[:, None] * D_IN + ii[None, :], mask=(t_ok & x_ok)[:, None] & i_ok[None, :],
                    other=0.0).to(tl.float32)
        src = tl.load(s_ptr + seq + rows, mask=m, other=0.0).to(tl.float32)
        if SFOLD > 0:
            src = src - s_fold[:, None] * tl.load(su_ptr + seq + rows, mask=m, other=0.0).to(tl.float32)
        blk = _dot_acc(blk, x, tl.trans(src), PREC)
        if TWO:
            blk2 = _dot_acc(blk2, x, tl.trans(tl.load(s2_ptr + seq + rows, mask=m, other=0.0).to(tl.float32)), PREC)
    keep = ((t[:, None] > t[None, :]) if BEFORE else (t[:, None] >= t[None, :])) & t_ok[:, None] & t_ok[None, :]
    out = (n * NC + c) * C * C + t[:, None] * C + t[None, :]
    tl.store(A_ptr + out, tl.where(keep, blk, 0.0))
    if TWO:
        tl.store(A2_ptr + out, tl.where(keep, blk2, 0.0))


@_launched
@triton.jit
def _sub_offdiag_kernel(x_ptr, s_ptr, s2_ptr, Gi_ptr, Gs_ptr, A_ptr, A2_ptr, T, Tp, NC, HS, TX, TS,
                        D_IN: tl.constexpr, C: tl.constexpr, BI: tl.constexpr, BK: tl.constexpr, GIN: tl.constexpr,
                        PREC: tl.constexpr, TWO: tl.constexpr, REV: tl.constexpr = False, SREV: tl.constexpr = False):
    """The pair scores' blocks below the diagonal (fla's split: one program per block pair I > J of a chunk, grid
    NC * NSB * NSB, the others return at once), accumulated over slices of BK dimensions on the tensor cores through
    J's last row; _sub_diag_scores_kernel writes the diagonal blocks. TS, SREV: the sources' tokens and order
    (_src_row0)."""
    SB: tl.constexpr = 16
    NSB: tl.constexpr = C // SB
    c = tl.program_id(0) // (NSB * NSB)
    I = (tl.program_id(0) // NSB) % NSB
    J = tl.program_id(0) % NSB
    if J < I:
        n = tl.program_id(1).to(tl.int64)  # 64-bit offsets
        sb = tl.arange(0, SB)
        t = I * SB + sb
        tok = c * C + t
        t_ok = tok < T
        s = J * SB + sb
        stok = c * C + s
        s_ok = _src_ok(stok, T, TS, SREV)
        ref = c * C + J * SB + SB - 1
        blk = tl.zeros([SB, SB], dtype=tl.float32)
        blk2 = tl.zeros([SB, SB], dtype=tl.float32)
        # the reader's rows found once (one source: 148 -> 118 registers in the adjoint's reversed read, 125 -> 100
        # in the forward's) or in each slice (two sources: 128 registers against 152 found once; ptxas for sm_90)
        xseq, xrow, x_ok = _reader_rows(n, tok, T, TX, HS, REV)
        s_seq = _src_base(s_ptr, n, T, TS, HS, D_IN, SREV)
        s2_seq = _src_base(s2_ptr, n, T, TS, HS, D_IN, SREV)
        s_step = _src_step(HS, SREV)
        for i0 in range(0, D_IN, BK):
            ii = i0 + tl.arange(0, BK)
            i_ok = ii < D_IN
            if TWO:
                x, Gi = _reader_slice(x_ptr, Gi_ptr, n, tok, t_ok, ii, i_ok, T, Tp, HS, TX, D_IN, GIN, SB, REV)
            else:
                x = tl.load(x_ptr + xseq * D_IN + xrow[:, None] * D_IN + ii[None, :],
                            mask=(t_ok & x_ok)[:, None] & i_ok[None, :], other=0.0).to(tl.float32)
                Gi = _gate_rows(Gi_ptr, n, tok, t_ok, ii, i_ok, Tp, D_IN, GIN, SB)
            blk += _offdiag_scores(x, Gi, s_seq, Gs_ptr, n, stok, s_ok, ref, Tp, s_step, ii, i_ok, D_IN, SB, GIN,
                                   PREC)
            if TWO:
                blk2 += _offdiag_scores(x, Gi, s2_seq, Gs_ptr, n, stok, s_ok, ref, Tp, s_step, ii, i_ok, D_IN, SB,
                                        GIN, PREC)
        keep = t_ok[:, None] & s_ok[None, :]
        tl.store(A_ptr + (n * NC + c) * C * C + t[:, None] * C + s[None, :], tl.where(keep, blk, 0.0))
        if TWO:
            tl.store(A2_ptr + (n * NC + c) * C * C + t[:, None] * C + s[None, :], tl.where(keep, blk2, 0.0))


@_launched
@triton.jit
def _read_amat_kernel(x_ptr, w_ptr, w2_ptr, A_ptr, A2_ptr, Gi_ptr, h_ptr, out_ptr, wu_ptr, ws_ptr, T, Tp, NC, NCH,
                      HS, TX, TS, OSCALE, D_IN: tl.constexpr, D_OUT: tl.constexpr, K: tl.constexpr, V: tl.constexpr,
                      C: tl.constexpr, BI: tl.constexpr, BKI: tl.constexpr, BO: tl.constexpr, SIDE_K: tl.constexpr,
                      GIN: tl.constexpr, PREC: tl.constexpr, H_STEP: tl.constexpr, HAS_H: tl.constexpr,
                      ACC: tl.constexpr, TWO: tl.constexpr, REV: tl.constexpr = False, WFOLD: tl.constexpr = 0,
                      AFLIP: tl.constexpr = False, SREV: tl.constexpr = False, VADJ: tl.constexpr = False):
    """A sub-chunked read's output from its pair scores (_sub_offdiag_kernel, _sub_diag_scores_kernel):
    out_t = (x_t e^{Gi_t}) S_c + sum_s A[t, s] w_s, both on the tensor cores, the contracted dimension in blocks of
    BKI; no gate on the returned side. S_c is stored state H_STEP * c of NCH (states stored every C / H_STEP tokens);
    without HAS_H the state term is left out, with ACC the result is added to out (a read's further source pairs);
    TWO adds a second pair's A2 w2. WFOLD (the delta rule's fold, as _state_kernel's FOLD): the rows w are v' - s u,
    made here from v' (w_ptr), u (wu_ptr) and s (1, or per token from ws_ptr) instead of a tensor of their own.
    AFLIP: A is a scan's over the reversed time, transposed: A[t, s] is its [NC-1-c][C-1-s][C-1-t] (the adjoint's
    read of the forward's scores; blocks above the diagonal map to blocks above it). TS, SREV: the rows w's tokens
    and order (_src_row0). VADJ: a chunk's output blocks adjacent in the launch order (_first_and_block)."""
    c, ob = _first_and_block(tl.program_id(0), (D_OUT + BO - 1) // BO, VADJ)
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets
    t = tl.arange(0, C)
    tok = c * C + t
    t_ok = tok < T
    oo = ob * BO + tl.arange(0, BO)
    o_ok = oo < D_OUT
    out = tl.zeros([C, BO], dtype=tl.float32)
    if HAS_H:
        for i0 in range(0, D_IN, BKI):
            ii = i0 + tl.arange(0, BKI)
            i_ok = ii < D_IN
            x = _decayed_reader_slice(x_ptr, Gi_ptr, n, tok, t_ok, ii, i_ok, T, Tp, HS, TX, D_IN, GIN, C, REV)
            out = _dot_acc(out, x, _state_block(h_ptr, n, c * H_STEP, NCH, ii, i_ok, oo, o_ok, K, V, SIDE_K), PREC)
    if AFLIP:
        # loaded by rows of the stored scores (each row one contiguous run), then transposed in registers
        rev_t = C - 1 - t
        A = tl.trans(tl.load(A_ptr + (n * NC + NC - 1 - c) * C * C + rev_t[:, None] * C + rev_t[None, :]))
    else:
        A = tl.load(A_ptr + (n * NC + c) * C * C + t[:, None] * C + t[None, :])
    A = tl.where(t[:, None] // 16 >= t[None, :] // 16, A, 0.0)  # the blocks above the diagonal are not written
    w_off = _src_row0(n, T, TS, HS, SREV) * D_OUT + (tok * _src_step(HS, SREV))[:, None] * D_OUT + oo[None, :]
    w_mask = _src_ok(tok, T, TS, SREV)[:, None] & o_ok[None, :]
    w = tl.load(w_ptr + w_off, mask=w_mask, other=0.0)
    if WFOLD > 0:
        wu = tl.load(wu_ptr + w_off, mask=w_mask, other=0.0).to(tl.float32)
        w = w.to(tl.float32) - _fold_scale(ws_ptr, c, n, T, HS, C, C, WFOLD)[:, None] * wu
    out = _dot_acc(out, A, w, PREC)
    if TWO:
        A2 = tl.load(A2_ptr + (n * NC + c) * C * C + t[:, None] * C + t[None, :])
        A2 = tl.where(t[:, None] // 16 >= t[None, :] // 16, A2, 0.0)
        w2 = tl.load(w2_ptr + w_off, mask=w_mask, other=0.0)
        out = _dot_acc(out, A2, w2, PREC)
    xseq, xrow, x_ok = _reader_rows(n, tok, T, TX, HS, REV)
    o_ptrs = out_ptr + xseq * D_OUT + xrow[:, None] * D_OUT + oo[None, :]
    out = out * OSCALE
    if ACC:
        out += tl.load(o_ptrs, mask=(t_ok & x_ok)[:, None] & o_ok[None, :], other=0.0).to(tl.float32)
    tl.store(o_ptrs, out, mask=(t_ok & x_ok)[:, None] & o_ok[None, :])


@_launched
@triton.jit
def _read_amat_gated_kernel(x_ptr, w_ptr, w2_ptr, A_ptr, A2_ptr, Gi_ptr, Go_ptr, Gos_ptr, h_ptr, out_ptr, x2_ptr,
                            A3_ptr, A4_ptr, out2_ptr, gv_ptr, gv2_ptr, g_ptr, gsign, gsign2, T, Tp, NC, NCH, HS, TX,
                            TS, OSCALE, OSCALE2, D_IN: tl.constexpr, D_OUT: tl.constexpr, K: tl.constexpr,
                            V: tl.constexpr,
                            C: tl.constexpr, BI: tl.constexpr, BO: tl.constexpr, SIDE_K: tl.constexpr,
                            GIN: tl.constexpr, GOUT: tl.constexpr, PREC: tl.constexpr, H_STEP: tl.constexpr,
                            HAS_H: tl.constexpr, ACC: tl.constexpr, TWO: tl.constexpr, REV: tl.constexpr = False,
                            BEFORE: tl.constexpr = False, NX: tl.constexpr = 1, RB: tl.constexpr = 16,
                            LEVELS: tl.constexpr = 0, GX: tl.constexpr = 0, GACC: tl.constexpr = False,
                            GSHIFT: tl.constexpr = False, AFLIP: tl.constexpr = False, SREV: tl.constexpr = False,
                            VADJ: tl.constexpr = False, SPREC: tl.constexpr = None):
    """_read_amat_kernel for a gate on the returned side (the backward's value-side reads of per-dimension key
    gates): one program per (RB rows of a chunk: one 16-row block or the whole chunk, value block). Each block
    pair J < I through J's last row r, e^{Go_t - Go_r} (A_IJ (w_J e^{Go_r - Go_s})), on the tensor cores; each
    diagonal block one source row at a time. H_STEP, NCH, HAS_H, ACC, TWO as in _read_amat_kernel. BEFORE (the
    read before the token's update, Go the exclusive gates): the diagonal's own token is left out of the decays as
    it is of the scores, whose zero would otherwise meet e^{Go_t - G_t} = e^{-g_t}, infinite for a strong enough
    decay. NX = 2: a second reader x2 of the same state, sources and timing (its scores A3 against w, A4 against
    w2) into out2, sharing the state block, the decayed sources and the diagonal's decays. LEVELS: each diagonal
    block split in halves LEVELS times; at each level the second half's pairs with the first are one more block
    pair (through the first half's last row, both factors at most 1); the smallest blocks (16 >> LEVELS rows) one
    source row at a time: 2 LEVELS + (16 >> LEVELS) exponentials per returned element and reader row instead of 16
    (10 with halves, 8 with quarters). GX: the per-dimension gate's gauge terms of the results (bit 1: out's,
    gsign * gv * out; bit 2: out2's, gsign2 * gv2 * out2) summed per element into g (fp32, the results' layout),
    added to what g holds with GACC, each at the token before its own with GSHIFT. AFLIP (NX = 1, no TWO): A is a
    scan's over the reversed time, transposed, as _read_amat_kernel's (the rescan's read of the adjoint's scores).
    TS, SREV: the rows w's (and w2's) tokens and order (_src_row0). VADJ: a row block's output blocks adjacent in
    the launch order (_first_and_block). SPREC: the precision of the readers' product with the state block (PREC's
    by default; PREC then the scored sums')."""
    SB: tl.constexpr = 16
    STATE_PREC: tl.constexpr = PREC if SPREC is None else SPREC
    first, ob = _first_and_block(tl.program_id(0), (D_OUT + BO - 1) // BO, VADJ)
    c = first // (C // RB)
    r0 = (first % (C // RB)) * RB
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets
    rr = tl.arange(0, RB)
    t = r0 + rr
    sb = t % SB
    tok = c * C + t
    t_ok = tok < T
    ii = tl.arange(0, BI)
    i_ok = ii < D_IN
    oo = ob * BO + tl.arange(0, BO)
    o_ok = oo < D_OUT
    Go = _gate_rows(Go_ptr, n, tok, t_ok, oo, o_ok, Tp, D_OUT, GOUT, RB)
    out = tl.zeros([RB, BO], dtype=tl.float32)
    out2 = tl.zeros([RB, BO], dtype=tl.float32)
    if HAS_H:
        Sblk = _state_block(h_ptr, n, c * H_STEP, NCH, ii, i_ok, oo, o_ok, K, V, SIDE_K)
        eGo = tl.exp(Go)[:, None] if GOUT == 1 else tl.exp(Go)
        x = _decayed_reader_slice(x_ptr, Gi_ptr, n, tok, t_ok, ii, i_ok, T, Tp, HS, TX, D_IN, GIN, RB, REV)
        out = _dot(x, Sblk, STATE_PREC) * eGo
        if NX == 2:
            x2 = _decayed_reader_slice(x2_ptr, Gi_ptr, n, tok, t_ok, ii, i_ok, T, Tp, HS, TX, D_IN, GIN, RB, REV)
            out2 = _dot(x2, Sblk, STATE_PREC) * eGo
    w_seq = _src_base(w_ptr, n, T, TS, HS, D_OUT, SREV)
    w2_seq = _src_base(w2_ptr, n, T, TS, HS, D_OUT, SREV)
    w_step = _src_step(HS, SREV)
    jb = tl.arange(0, SB)
    for J in range(0, (r0 + RB) // SB - 1):
        s = J * SB + jb
        stok = c * C + s
        s_ok = stok < T
        below = t // SB > J  # rows of the blocks after J (all of them for one block I > J)
        w_ok = _src_ok(stok, T, TS, SREV)[:, None] & o_ok[None, :]
        w = tl.load(w_seq + (stok * w_step)[:, None] * D_OUT + oo[None, :], mask=w_ok, other=0.0).to(tl.float32)
        Gr = _gate_row(Gos_ptr, n, c * C + J * SB + SB - 1, oo, o_ok, Tp, D_OUT, GOUT)
        Gs = _gate_rows(Gos_ptr, n, stok, s_ok, oo, o_ok, Tp, D_OUT, GOUT, SB)
        wd = _decay_rows(w, Gs, Gr, GOUT, -1)
        w2d = wd
        if TWO:
            w2 = tl.load(w2_seq + (stok * w_step)[:, None] * D_OUT + oo[None, :], mask=w_ok, other=0.0).to(tl.float32)
            w2d = _decay_rows(w2, Gs, Gr, GOUT, -1)
        inner, inner2 = _scored_sums(A_ptr, A2_ptr, A3_ptr, A4_ptr, n, c, NC, t, s, below[:, None], wd, w2d, C, PREC,
                                     TWO, NX, AFLIP)
        Er = _decay_rows(1.0, Go, Gr, GOUT, 1)  # 1 in the rows not below (exponent clamped), whose inner is 0
        out += inner * Er
        if NX == 2:
            out2 += inner2 * Er
    DS: tl.constexpr = SB >> LEVELS  # rows of a diagonal step's block
    SELECT: tl.constexpr = RB == SB and LEVELS == 1  # one block by halves: two source rows per step, selected
    PER_ROW: tl.constexpr = RB > SB or LEVELS > 1  # each row's own source row, gathered
    if LEVELS > 0:
        # at each level the second half's rows against the first half's sources of the same block, through the
        # first half's last row r: e^{Go_t - Go_r} (A_ts (w_s e^{Go_r - Go_s})), one product over the program's rows
        stok = c * C + t
        Gs = _gate_rows(Gos_ptr, n, stok, t_ok, oo, o_ok, Tp, D_OUT, GOUT, RB)
        w_ok = _src_ok(stok, T, TS, SREV)[:, None] & o_ok[None, :]
        w = tl.load(w_seq + (stok * w_step)[:, None] * D_OUT + oo[None, :], mask=w_ok, other=0.0).to(tl.float32)
        w2 = w
        if TWO:
            w2 = tl.load(w2_seq + (stok * w_step)[:, None] * D_OUT + oo[None, :], mask=w_ok, other=0.0).to(tl.float32)
        for lvl in tl.static_range(LEVELS):
            # the level's half block (SB >> (lvl + 1)) written out each time: an annotated constexpr cannot be
            # assigned again in the next unrolled level (Triton's compiler refuses it; the interpreter does not)
            hi = sb % (2 * (SB >> (lvl + 1))) >= (SB >> (lvl + 1))
            keep = ((t[:, None] // (2 * (SB >> (lvl + 1))) == t[None, :] // (2 * (SB >> (lvl + 1))))
                    & hi[:, None] & (~hi)[None, :])
            # (a reference row past T has no reader after it: gate 0 keeps the sources finite)
            r_tok = stok - sb % (2 * (SB >> (lvl + 1))) + (SB >> (lvl + 1)) - 1
            Gr = _gate_rows(Gos_ptr, n, r_tok, r_tok < T, oo, o_ok, Tp, D_OUT, GOUT, RB)
            wd = tl.where((~hi)[:, None], w, 0.0) * _decays(Gr, Gs, GOUT)
            w2d = wd
            if TWO:
                w2d = tl.where((~hi)[:, None], w2, 0.0) * _decays(Gr, Gs, GOUT)
            inner, inner2 = _scored_sums(A_ptr, A2_ptr, A3_ptr, A4_ptr, n, c, NC, t, t, keep, wd, w2d, C, PREC, TWO,
                                         NX, AFLIP)
            Er = _decays(Go, Gr, GOUT)
            out += inner * Er
            if NX == 2:
                out2 += inner2 * Er
    for j in range(DS):
        if PER_ROW or SELECT:
            tj = c * C + t - sb % DS + j  # each row's source: row j of its own block
        else:
            tj = c * C + r0 + j  # one source row
        a_off = _score_offsets(n, c, NC, t, tj - c * C, C, AFLIP)
        if SELECT:
            wj = _half_source_rows(w_seq, c * C + r0 + j, sb >= DS, T, TS, HS, oo, o_ok, D_OUT, DS, SREV)
        else:
            wj = _diag_source_rows(w_seq, tj, T, TS, HS, oo, o_ok, D_OUT, PER_ROW, SREV)
        M = tl.load(A_ptr + a_off)[:, None] * wj
        if NX == 2:
            M2 = tl.load(A3_ptr + a_off)[:, None] * wj
        if TWO:
            if SELECT:
                w2j = _half_source_rows(w2_seq, c * C + r0 + j, sb >= DS, T, TS, HS, oo, o_ok, D_OUT, DS, SREV)
            else:
                w2j = _diag_source_rows(w2_seq, tj, T, TS, HS, oo, o_ok, D_OUT, PER_ROW, SREV)
            M += tl.load(A2_ptr + a_off)[:, None] * w2j
            if NX == 2:
                M2 += tl.load(A4_ptr + a_off)[:, None] * w2j
        ok_t = ((sb % DS > j) if BEFORE else (sb % DS >= j)) & t_ok
        if SELECT:
            E = _half_returned_decays(Go, Gos_ptr, n, c * C + r0 + j, sb >= DS, ok_t, oo, o_ok, Tp, D_OUT, GOUT, DS)
        else:
            E = _returned_decays(Go, Gos_ptr, n, tj, ok_t, oo, o_ok, Tp, D_OUT, GOUT, PER_ROW)
        out += M * E
        if NX == 2:
            out2 += M2 * E
    xseq, xrow, x_ok = _reader_rows(n, tok, T, TX, HS, REV)
    o_off = xseq * D_OUT + xrow[:, None] * D_OUT + oo[None, :]
    o_mask = (t_ok & x_ok)[:, None] & o_ok[None, :]
    out = out * OSCALE
    if ACC:
        out += tl.load(out_ptr + o_off, mask=o_mask, other=0.0).to(tl.float32)
    tl.store(out_ptr + o_off, out, mask=o_mask)
    if NX == 2:
        out2 = out2 * OSCALE2
        if ACC:
            out2 += tl.load(out2_ptr + o_off, mask=o_mask, other=0.0).to(tl.float32)
        tl.store(out2_ptr + o_off, out2, mask=o_mask)
    if GX != 0:
        _store_gauge(gv_ptr, gv2_ptr, g_ptr, gsign, gsign2, out, out2, o_off, o_mask, xseq, xrow, x_ok & t_ok, oo,
                     o_ok, HS, D_OUT, GX, GACC, GSHIFT)


@triton.jit
def _store_gauge(gv_ptr, gv2_ptr, g_ptr, gsign, gsign2, out, out2, o_off, o_mask, xseq, xrow, x_ok, oo, o_ok, HS,
                 D_OUT: tl.constexpr, GX: tl.constexpr, GACC: tl.constexpr, GSHIFT: tl.constexpr):
    """A read-out's per-element gauge terms (_read_amat_gated_kernel's GX) into g: gsign gv out (bit 1 of GX) plus
    gsign2 gv2 out2 (bit 2), stored or, with GACC, added; with GSHIFT at the token before (the first token's
    term dropped, as shift_next does)."""
    term = tl.zeros(out.shape, dtype=tl.float32)
    if GX % 2 == 1:
        term += gsign * tl.load(gv_ptr + o_off, mask=o_mask, other=0.0).to(tl.float32) * out
    if GX >= 2:
        term += gsign2 * tl.load(gv2_ptr + o_off, mask=o_mask, other=0.0).to(tl.float32) * out2
    g_off = o_off
    g_mask = o_mask
    if GSHIFT:
        g_off = xseq * D_OUT + (xrow - HS)[:, None] * D_OUT + oo[None, :]
        g_mask = (x_ok & (xrow >= HS))[:, None] & o_ok[None, :]
    if GACC:
        term += tl.load(g_ptr + g_off, mask=g_mask, other=0.0)
    tl.store(g_ptr + g_off, term, mask=g_mask)


@triton.jit
def _score_offsets(n, c, NC, t, s, C: tl.constexpr, AFLIP: tl.constexpr):
    """Where the pair score A[t, s] of sequence n's chunk c lies in [N, NC, C, C] scores: [n][c][t][s], or with
    AFLIP (a scan's over the reversed time, transposed) [n][NC - 1 - c][C - 1 - s][C - 1 - t]."""
    if AFLIP:
        return (n * NC + NC - 1 - c) * C * C + (C - 1 - s) * C + (C - 1 - t)
    return (n * NC + c) * C * C + t * C + s


@triton.jit
def _scored_sums(A_ptr, A2_ptr, A3_ptr, A4_ptr, n, c, NC, t, s, keep, wd, w2d, C: tl.constexpr, PREC: tl.constexpr,
                 TWO: tl.constexpr, NX: tl.constexpr, AFLIP: tl.constexpr):
    """The pair-score tiles of rows t and sources s of chunk c (0 where not keep: they may lie above the diagonal
    blocks, never written) times the decayed source rows: (A wd + A2 w2d, A3 wd + A4 w2d), the A2 and A4 terms with
    TWO, the second sum for NX = 2 (else the first again). AFLIP (A only): A loaded by rows of its stored transpose
    (each a contiguous run), then transposed in registers."""
    off = _score_offsets(n, c, NC, t[:, None], s[None, :], C, False)
    if AFLIP:
        a = tl.trans(tl.load(A_ptr + _score_offsets(n, c, NC, t[None, :], s[:, None], C, True)))
    else:
        a = tl.load(A_ptr + off)
    inner = _dot(tl.where(keep, a, 0.0), wd, PREC)
    inner2 = inner
    if NX == 2:
        inner2 = _dot(tl.where(keep, tl.load(A3_ptr + off), 0.0), wd, PREC)
    if TWO:
        inner += _dot(tl.where(keep, tl.load(A2_ptr + off), 0.0), w2d, PREC)
        if NX == 2:
            inner2 += _dot(tl.where(keep, tl.load(A4_ptr + off), 0.0), w2d, PREC)
    return inner, inner2


@triton.jit
def _half_source_rows(s_seq, tj, hi, T, TS, HS, dd, d_ok, D: tl.constexpr, DS: tl.constexpr, SREV: tl.constexpr):
    """A 16-row block's diagonal step by halves: source row tj for the first half's rows, tj + DS for the
    second's (hi), each loaded once: [rows, BD] fp32 (_source_row)."""
    lo_row = _source_row(s_seq, tj, T, TS, HS, dd, d_ok, D, SREV)[None, :]
    hi_row = _source_row(s_seq, tj + DS, T, TS, HS, dd, d_ok, D, SREV)[None, :]
    return tl.where(hi[:, None], hi_row, lo_row)


@triton.jit
def _half_returned_decays(Go, Gosrc_ptr, n, tj, hi, ok_t, oo, o_ok, Tp, D_OUT: tl.constexpr, GOUT: tl.constexpr,
                          DS: tl.constexpr):
    """_returned_decays of a 16-row block's diagonal step by halves: source row tj for the first half's rows,
    tj + DS for the second's (hi), each gate row loaded once."""
    if GOUT == 2:
        lo = tl.load(Gosrc_ptr + (n * Tp + tj) * D_OUT + oo, mask=o_ok, other=0.0).to(tl.float32)[None, :]
        up = tl.load(Gosrc_ptr + (n * Tp + tj + DS) * D_OUT + oo, mask=o_ok, other=0.0).to(tl.float32)[None, :]
        return _masked_decays(Go, tl.where(hi[:, None], up, lo), ok_t, o_ok, GOUT)
    elif GOUT == 1:
        lo = tl.load(Gosrc_ptr + n * Tp + tj).to(tl.float32)
        up = tl.load(Gosrc_ptr + n * Tp + tj + DS).to(tl.float32)
        return _masked_decays(Go, tl.where(hi, up, lo), ok_t, o_ok, GOUT)
    else:
        return 1.0


@triton.jit
def _diag_source_rows(s_seq, tj, T, TS, HS, dd, d_ok, D: tl.constexpr, PER_ROW: tl.constexpr, SREV: tl.constexpr):
    """Source rows of a diagonal block's step (fp32, zeros where _src_ok is not): one row tj broadcast, or with
    PER_ROW each reader row's own tj."""
    if PER_ROW:
        return tl.load(s_seq + (tj * _src_step(HS, SREV))[:, None] * D + dd[None, :],
                       mask=_src_ok(tj, T, TS, SREV)[:, None] & d_ok[None, :], other=0.0).to(tl.float32)
    else:
        return _source_row(s_seq, tj, T, TS, HS, dd, d_ok, D, SREV)[None, :]


@triton.jit
def _state_block(h_ptr, n, c, NC, ii, i_ok, oo, o_ok, K: tl.constexpr, V: tl.constexpr, SIDE_K: tl.constexpr):
    """The chunk-start state block as [in, out] (S[in, out] for SIDE_K, S[out, in]^T otherwise), as stored. The
    64-bit offset of the state is a scalar; the tile's offsets are 32-bit (64-bit offset tiles spill registers)."""
    base = h_ptr + (n * NC + c) * K * V
    if SIDE_K:
        return tl.load(base + ii[:, None] * V + oo[None, :], mask=i_ok[:, None] & o_ok[None, :], other=0.0)
    else:
        return tl.load(base + oo[None, :] * V + ii[:, None], mask=i_ok[:, None] & o_ok[None, :], other=0.0)


@triton.jit
def _read_sides(G_ptr, Gex_ptr, Gv_ptr, Gvex_ptr, h_ptr, n, c, NC, ii, i_ok, oo, o_ok, K: tl.constexpr,
                V: tl.constexpr, SIDE_K: tl.constexpr, BEFORE: tl.constexpr):
    """What a read of chunk c takes from each side: the reader's exponents (G_t after, G_(t-1) before) on the
    contracted ('in') and returned ('out') side, the sources' exponents on both, and the chunk-start state block
    (_state_block, fp32)."""
    Sblk = _state_block(h_ptr, n, c, NC, ii, i_ok, oo, o_ok, K, V, SIDE_K).to(tl.float32)
    if SIDE_K:
        return Gex_ptr if BEFORE else G_ptr, Gvex_ptr if BEFORE else Gv_ptr, G_ptr, Gv_ptr, Sblk
    else:
        return Gvex_ptr if BEFORE else Gv_ptr, Gex_ptr if BEFORE else G_ptr, Gv_ptr, G_ptr, Sblk


@triton.jit
def _pair_weights(cm, Gi, Go, Gi_src, Go_src, c, n, T, Tp, t, t_ok, C: tl.constexpr, NR: tl.constexpr,
                  BROWS: tl.constexpr, BEFORE: tl.constexpr, GIN: tl.constexpr, GOUT: tl.constexpr):
    """The causal mask and scalar decays e^{(Gi_t - Gi_s) + (Go_t - Go_s)} applied to a chunk's pair products
    cm [C, rows] (NR source rows per token); every exponent is <= 0 where the mask keeps it."""
    rr = tl.arange(0, BROWS)
    t_r = rr // NR
    rtok = c * C + t_r
    r_ok = (rr < C * NR) & (rtok < T)
    if BEFORE:
        okm = (t[:, None] > t_r[None, :]) & t_ok[:, None] & r_ok[None, :]
    else:
        okm = (t[:, None] >= t_r[None, :]) & t_ok[:, None] & r_ok[None, :]
    if GIN == 1 or GOUT == 1:
        dec = tl.zeros(cm.shape, dtype=tl.float32)
        if GIN == 1:
            Gsr = tl.load(Gi_src + n * Tp + rtok, mask=r_ok, other=0.0).to(tl.float32)
            dec += Gi[:, None] - Gsr[None, :]
        if GOUT == 1:
            Gor = tl.load(Go_src + n * Tp + rtok, mask=r_ok, other=0.0).to(tl.float32)
            dec += Go[:, None] - Gor[None, :]
        return cm * tl.exp(tl.where(okm, dec, float("-inf")))
    else:
        return tl.where(okm, cm, 0.0)


@triton.jit
def _source_rows(ptr, c, n, T, HS, cols, c_ok, D: tl.constexpr, C: tl.constexpr, NR: tl.constexpr,
                 BROWS: tl.constexpr, TS, SREV: tl.constexpr):
    """A chunk's NR-per-token source rows [BROWS, cols] (layout [N, T, NR, D] or [B, T, HS, NR, D], _seq_row), as
    stored (scalar 64-bit base, 32-bit tile offsets). TS, SREV: the sources' tokens and order (_src_row0)."""
    rr = tl.arange(0, BROWS)
    rtok = c * C + rr // NR
    r_ok = (rr < C * NR) & _src_ok(rtok, T, TS, SREV)
    base = ptr + _src_row0(n, T, TS, HS, SREV) * NR * D
    srow = rtok * _src_step(HS, SREV)
    return tl.load(base + (srow * NR + rr % NR)[:, None] * D + cols[None, :], mask=r_ok[:, None] & c_ok[None, :],
                   other=0.0)


@triton.jit
def _read_chunk_products(x_ptr, src_ptr, w_ptr, srcin_ptr, win_ptr, G_ptr, Gex_ptr, Gv_ptr, Gvex_ptr, h_ptr, fold_ptr,
                  c, n, T, Tp, NC, HS, xseq, xrow, x_ok, t, tok, t_ok, oo, o_ok, D_IN: tl.constexpr, D_OUT: tl.constexpr,
                  K: tl.constexpr, V: tl.constexpr, C: tl.constexpr, R: tl.constexpr, P: tl.constexpr, BC: tl.constexpr,
                  BL: tl.constexpr, BLP: tl.constexpr, BI: tl.constexpr, BKI: tl.constexpr, BO: tl.constexpr,
                  SIDE_K: tl.constexpr, BEFORE: tl.constexpr, GIN: tl.constexpr, GOUT: tl.constexpr,
                  PREC: tl.constexpr, FOLD: tl.constexpr, PREC_XS: tl.constexpr,
                  PREC_XR: tl.constexpr, PREC_XP: tl.constexpr, x2_ptr, NX: tl.constexpr, BEFORE2: tl.constexpr,
                  xb_ptr, kb_ptr, PC0, PC1, PC2, PC3, PC4, DB: tl.constexpr, BDB: tl.constexpr,
                  POLY: tl.constexpr, TS, SREV: tl.constexpr, HAS_H: tl.constexpr = True, vs_ptr=None,
                  VS: tl.constexpr = False):
    """A read with scalar or no gates, the contracted dimension in blocks of BKI: x S, x src^T and x srcin^T are
    accumulated block by block (tiles kept in their storage dtype), then the row decays, the causal mask and the
    pair decays are applied and the pair products multiply the returned rows. Fewer registers than one [C, D_IN]
    tile of each operand (no spills at D = 128 on sm_90, benchmarks/aot_check.py --regs).
    PREC_XS, PREC_XR, PREC_XP: the precisions of the three products of loaded tiles (x S, x src^T, x srcin^T), each
    PREC or, where both its tiles are stored in bf16, "bf16": the same exact products as tf32 gives them (a bf16
    value is exact in tf32), from bf16 operands; the products of computed fp32 tiles (the pair weights, the fold's
    v' - s u) stay in PREC.
    FOLD (R = P = 1, b = -s k', s = 1 or per token from fold_ptr): both pairs share their source tokens and decays,
    so the two pair products are one, on v' - s u (SIDE_K: the returned side) or on x (v' - s u)^T (the other side):
    two products and the b tile fewer per chunk. xseq, xrow, x_ok: where the reader's rows live (_reader_rows).
    NX = 2: a second reader x2 of the same side (timing BEFORE2) takes the same state block and source rows as they
    are loaded; returns (out, out2), out2 = out for NX = 1. TS, SREV: the sources' tokens and order (_source_rows).
    Without HAS_H the state term is left out (the pair terms alone).
    POLY > 0 (NX = 1, R = 0, no fold): kernelized pair scores (lindsl.passes.kernelize): x_t . srcin_s is the
    polynomial PC0 + PC1 s + ... (POLY coefficients) in s = xb_t . kb_s, the base rows' product over DB, so the
    srcin tiles are not loaded and the scores cost DB per pair instead of D_IN. VS: the input pair's returned rows
    weighed per token (vs_ptr; _weighted_pairs)."""
    out = tl.zeros([BC, BO], dtype=tl.float32)
    cmr = tl.zeros([BC, BL], dtype=tl.float32)
    cmp = tl.zeros([BC, BLP], dtype=tl.float32)
    out2 = tl.zeros([BC, BO], dtype=tl.float32)
    cmr2 = tl.zeros([BC, BL], dtype=tl.float32)
    cmp2 = tl.zeros([BC, BLP], dtype=tl.float32)
    for i0 in range(0, D_IN, BKI):
        ii = i0 + tl.arange(0, BKI)
        i_ok = ii < D_IN
        x_at = xseq * D_IN + xrow[:, None] * D_IN + ii[None, :]
        x_mask = (t_ok & x_ok)[:, None] & i_ok[None, :]
        x = tl.load(x_ptr + x_at, mask=x_mask, other=0.0)
        x2 = x
        if NX == 2:
            x2 = tl.load(x2_ptr + x_at, mask=x_mask, other=0.0)
        if HAS_H:
            Sblk = _state_block(h_ptr, n, c, NC, ii, i_ok, oo, o_ok, K, V, SIDE_K)
            out = _dot_acc(out, x, Sblk, PREC_XS)
            if NX == 2:
                out2 = _dot_acc(out2, x2, Sblk, PREC_XS)
        if FOLD > 0 and not SIDE_K:
            rows = _source_rows(srcin_ptr, c, n, T, HS, ii, i_ok, D_IN, C, P, BLP, TS, SREV).to(tl.float32)
            rows -= _fold_scale(fold_ptr, c, n, T, HS, C, BLP, FOLD)[:, None] * _source_rows(
                src_ptr, c, n, T, HS, ii, i_ok, D_IN, C, R, BL, TS, SREV).to(tl.float32)
            cmp = _dot_acc(cmp, x, tl.trans(rows), PREC)
            if NX == 2:
                cmp2 = _dot_acc(cmp2, x2, tl.trans(rows), PREC)
        else:
            if R > 0 and FOLD == 0:
                rows = tl.trans(_source_rows(src_ptr, c, n, T, HS, ii, i_ok, D_IN, C, R, BL, TS, SREV))
                cmr = _dot_acc(cmr, x, rows, PREC_XR)
                if NX == 2:
                    cmr2 = _dot_acc(cmr2, x2, rows, PREC_XR)
            if P > 0 and POLY == 0:
                rows = tl.trans(_source_rows(srcin_ptr, c, n, T, HS, ii, i_ok, D_IN, C, P, BLP, TS, SREV))
                cmp = _dot_acc(cmp, x, rows, PREC_XP)
                if NX == 2:
                    cmp2 = _dot_acc(cmp2, x2, rows, PREC_XP)
    if POLY > 0:
        tl.static_assert(NX == 1 and R == 0 and FOLD == 0 and POLY <= 5, "kernelized scores: one reader, one pair")
        cmp = _kernelized_scores(xb_ptr, kb_ptr, PC0, PC1, PC2, PC3, PC4, c, n, T, HS, xseq, xrow, x_ok, t_ok, DB, BDB,
                                 C, P, BLP, POLY, PREC_XP, TS, SREV)
    out = _weighted_pairs(out, cmr, cmp, w_ptr, win_ptr, G_ptr, Gex_ptr, Gv_ptr, Gvex_ptr, fold_ptr, c, n, T, Tp, HS,
                          t, tok, t_ok, oo, o_ok, D_OUT, C, R, P, BL, BLP, SIDE_K, BEFORE, GIN, GOUT, PREC, FOLD, TS,
                          SREV, vs_ptr, VS)
    if NX == 2:
        out2 = _weighted_pairs(out2, cmr2, cmp2, w_ptr, win_ptr, G_ptr, Gex_ptr, Gv_ptr, Gvex_ptr, fold_ptr, c, n, T,
                               Tp, HS, t, tok, t_ok, oo, o_ok, D_OUT, C, R, P, BL, BLP, SIDE_K, BEFORE2, GIN, GOUT,
                               PREC, FOLD, TS, SREV)
    else:
        out2 = out
    return out, out2


@triton.jit
def _kernelized_scores(xb_ptr, kb_ptr, PC0, PC1, PC2, PC3, PC4, c, n, T, HS, xseq, xrow, x_ok, t_ok,
                       DB: tl.constexpr, BDB: tl.constexpr, C: tl.constexpr, P: tl.constexpr, BLP: tl.constexpr,
                       POLY: tl.constexpr, PREC: tl.constexpr, TS, SREV: tl.constexpr):
    """A chunk's pair scores [C, C P] as the polynomial PC0 + PC1 s + ... + PC(POLY-1) s^(POLY-1) (Horner) in the
    base rows' products s = xb_t . kb_s over DB (the reader's base rows where the reader's rows live, _reader_rows;
    the source's as _source_rows)."""
    bb = tl.arange(0, BDB)
    b_ok = bb < DB
    xb = tl.load(xb_ptr + xseq * DB + xrow[:, None] * DB + bb[None, :], mask=(t_ok & x_ok)[:, None] & b_ok[None, :],
                 other=0.0)
    kb = _source_rows(kb_ptr, c, n, T, HS, bb, b_ok, DB, C, P, BLP, TS, SREV)
    s = _dot(xb, tl.trans(kb), PREC)
    cm = tl.zeros(s.shape, dtype=tl.float32)
    if POLY > 4:
        cm = cm * s + PC4
    if POLY > 3:
        cm = cm * s + PC3
    if POLY > 2:
        cm = cm * s + PC2
    if POLY > 1:
        cm = cm * s + PC1
    return cm * s + PC0


@triton.jit
def _weighted_pairs(out, cmr, cmp, w_ptr, win_ptr, G_ptr, Gex_ptr, Gv_ptr, Gvex_ptr, fold_ptr, c, n, T, Tp, HS, t, tok,
                    t_ok, oo, o_ok, D_OUT: tl.constexpr, C: tl.constexpr, R: tl.constexpr, P: tl.constexpr,
                    BL: tl.constexpr, BLP: tl.constexpr, SIDE_K: tl.constexpr, BEFORE: tl.constexpr,
                    GIN: tl.constexpr, GOUT: tl.constexpr, PREC: tl.constexpr, FOLD: tl.constexpr, TS,
                    SREV: tl.constexpr, vs_ptr=None, VS: tl.constexpr = False):
    """One reader's chunk read from its products (_read_chunk_products): the state term x S decayed by the reader's
    row exponents, plus the pair products cmr, cmp under the causal mask and pair decays (_pair_weights) times the
    returned rows (w, win; win - s w with the fold on the key side), loaded here (a second reader's load of them
    hits the cache)."""
    Gi_ptr = Gex_ptr if BEFORE else G_ptr
    Go_ptr = Gvex_ptr if BEFORE else Gv_ptr
    Gi_src, Go_src = G_ptr, Gv_ptr
    if not SIDE_K:
        Gi_ptr = Gvex_ptr if BEFORE else Gv_ptr
        Go_ptr = Gex_ptr if BEFORE else G_ptr
        Gi_src, Go_src = Gv_ptr, G_ptr
    Gi = tl.zeros(t.shape, dtype=tl.float32)
    Go = tl.zeros(t.shape, dtype=tl.float32)
    if GIN == 1:
        Gi = tl.load(Gi_ptr + n * Tp + tok, mask=t_ok, other=0.0).to(tl.float32)
    if GOUT == 1:
        Go = tl.load(Go_ptr + n * Tp + tok, mask=t_ok, other=0.0).to(tl.float32)
    if GIN == 1 or GOUT == 1:
        out = out * tl.exp(Gi + Go)[:, None]
    if R > 0 and FOLD == 0:
        cm = _pair_weights(cmr, Gi, Go, Gi_src, Go_src, c, n, T, Tp, t, t_ok, C, R, BL, BEFORE, GIN, GOUT)
        out = _dot_acc(out, cm, _source_rows(w_ptr, c, n, T, HS, oo, o_ok, D_OUT, C, R, BL, TS, SREV), PREC)
    if P > 0:
        cm = _pair_weights(cmp, Gi, Go, Gi_src, Go_src, c, n, T, Tp, t, t_ok, C, P, BLP, BEFORE, GIN, GOUT)
        if VS:
            cm = cm * _fold_scale(vs_ptr, c, n, T, HS, C, BLP, 2)[None, :]
        rows = _source_rows(win_ptr, c, n, T, HS, oo, o_ok, D_OUT, C, P, BLP, TS, SREV)
        if FOLD > 0 and SIDE_K:
            rows = rows.to(tl.float32) - _fold_scale(fold_ptr, c, n, T, HS, C, BLP, FOLD)[:, None] * _source_rows(
                w_ptr, c, n, T, HS, oo, o_ok, D_OUT, C, R, BL, TS, SREV).to(tl.float32)
        out = _dot_acc(out, cm, rows, PREC)
    return out


@triton.jit
def _gauge_partial(gv_ptr, gout_ptr, out, xseq, xrow, ok, oo, o_ok, D_OUT: tl.constexpr, SIGN: tl.constexpr):
    """A gate gradient's gauge term of one read, sign * sum_o gv[t, o] out[t, o] per token over the block's columns
    oo, from the kernel's fp32 result, stored at the token's place in gout (the reader's layout without its last
    dimension)."""
    vec = tl.load(gv_ptr + xseq * D_OUT + xrow[:, None] * D_OUT + oo[None, :], mask=ok[:, None] & o_ok[None, :],
                  other=0.0).to(tl.float32)
    tl.store(gout_ptr + xseq + xrow, tl.sum(vec * out, 1) * SIGN, mask=ok)


@triton.jit
def _fold_scale(fold_ptr, c, n, T, HS, C: tl.constexpr, BROWS: tl.constexpr, FOLD: tl.constexpr):
    """The delta-rule fold's s for a chunk's source rows (one per token): 1 (FOLD 1) or loaded (FOLD 2, [N, T] or
    [B, T, HS])."""
    rr = tl.arange(0, BROWS)
    if FOLD == 2:
        return tl.load(fold_ptr + _seq_row(n, T, HS) + (c * C + rr) * HS, mask=(rr < C) & (c * C + rr < T),
                       other=0.0).to(tl.float32)
    return tl.full([BROWS], 1.0, dtype=tl.float32)


@_launched
@triton.jit
def _read_kernel(x_ptr, src_ptr, w_ptr, srcin_ptr, win_ptr, G_ptr, Gex_ptr, Gv_ptr, Gvex_ptr, h_ptr, out_ptr,
                 fold_ptr, x2_ptr, out2_ptr, gv_ptr, gout_ptr, gv2_ptr, gout2_ptr, T, Tp, NC, HS, TX, GSTRIDE, OSCALE,
                 OSCALE2, xb_ptr, kb_ptr, PC0, PC1, PC2, PC3, PC4, skip_ptr, skipc_ptr, NH, vs_ptr,
                 D_IN: tl.constexpr, D_OUT: tl.constexpr,
                 K: tl.constexpr, V: tl.constexpr,
                 C: tl.constexpr, R: tl.constexpr, P: tl.constexpr, BC: tl.constexpr, BL: tl.constexpr,
                 BLP: tl.constexpr, BI: tl.constexpr, BO: tl.constexpr,
                 SIDE_K: tl.constexpr, BEFORE: tl.constexpr, GIN: tl.constexpr, GOUT: tl.constexpr,
                 LOOP: tl.constexpr, PREC: tl.constexpr, PREC_XS: tl.constexpr, PREC_XR: tl.constexpr,
                 PREC_XP: tl.constexpr, BKI: tl.constexpr = 64,
                 FOLD: tl.constexpr = 0, REV: tl.constexpr = False, NX: tl.constexpr = 1,
                 BEFORE2: tl.constexpr = False, GAUGE: tl.constexpr = 0, GAUGE2: tl.constexpr = 0,
                 NEGF: tl.constexpr = False, NEGF2: tl.constexpr = False, SREV: tl.constexpr = False,
                 HAS_H: tl.constexpr = True, DB: tl.constexpr = 16, BDB: tl.constexpr = 16,
                 POLY: tl.constexpr = 0, SKIP: tl.constexpr = 0, VS: tl.constexpr = False,
                 VADJ: tl.constexpr = False):
    """out_t = S_t^T x_t (SIDE_K: x over K, out over V) or S_t y_t (x over V, out over K).
    'in' is the contracted side, 'out' the returned side; GIN/GOUT: 0 none, 1 scalar, 2 vector gate.
    src/w: the rank-one rows (b, u for SIDE_K; u, b otherwise) and srcin/win the input rows (k, v / v, k).
    Scalar or no gates: _read_chunk_products (tensor-core pair products; PREC_X* for the loaded tiles' products);
    per-dimension gates (LOOP): the pairs one source row at a time (_pairs_loop), every exponent a non-positive
    difference. NX = 2 (not LOOP): a second reader x2 of the same side, its own timing BEFORE2, into out2.
    GAUGE, GAUGE2 (not LOOP): +-1 for a read whose result a gate gradient's gauge term takes, _gauge_partial into
    gout (gout2) from the vectors gv (gv2), each value block's partial sum GSTRIDE elements after the previous
    block's (one block: the term itself); 0 none. NEGF, NEGF2 (not LOOP, FOLD 2): the reader's
    vector is -s x for the x given (the delta rule's du = -s dv), so its result rows are scaled by the loaded -s (with
    s = 1 the launch negates OSCALE instead: the product by constant -1 rows miscompiled, session 38). OSCALE,
    OSCALE2: constants the results (out, out2) are multiplied by (chunk_scan_triton's read_scales). SREV (REV, not
    LOOP, R = 0): the input rows too are the callers' tensors of TX tokens in their own order (_source_rows).
    HAS_H (not LOOP): whether the chunk-start states' term is read (without it, the pair terms alone).
    POLY > 0 (not LOOP, NX = 1): kernelized pair scores from the base rows xb, kb (DB wide) and the coefficients
    PC0.. (_read_chunk_products). SKIP > 0 (not LOOP or REV, NX = 1): out stored with its skip term (_skip_term; NH
    heads). VS (not LOOP, SIDE_K, R = 0, P = 1): the input pair's value rows weighed per token (vs_ptr,
    _state_kernel's). VADJ: a chunk's output blocks adjacent in the launch order (_first_and_block), so that they
    share the chunk's input tiles through L2 (_grid_vadj)."""
    tl.static_assert(HAS_H or not LOOP, "a read without the state term: the tensor-core path only")
    tl.static_assert(SKIP == 0 or not (LOOP or REV or NX == 2), "a skip term: a forward's lone tensor-core read")
    tl.static_assert(not SREV or (REV and not LOOP and R == 0), "reversed sources: input rows of the adjoint only")
    tl.static_assert(not (NEGF or NEGF2) or FOLD == 2, "a read of -s x scaled in the kernel: s loaded (FOLD 2)")
    c, ob = _first_and_block(tl.program_id(0), (D_OUT + BO - 1) // BO, VADJ)
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets: N*NC*K*V passes 2^31 at long T
    t = tl.arange(0, BC)
    tok = c * C + t
    t_ok = (t < C) & (tok < T)
    oo = ob * BO + tl.arange(0, BO)
    o_ok = oo < D_OUT
    xseq, xrow, x_ok = _reader_rows(n, tok, T, TX, HS, REV)
    if not LOOP:
        out, out2 = _read_chunk_products(x_ptr, src_ptr, w_ptr, srcin_ptr, win_ptr, G_ptr, Gex_ptr, Gv_ptr, Gvex_ptr,
                                         h_ptr, fold_ptr, c, n, T, Tp, NC, HS, xseq, xrow, x_ok, t, tok, t_ok, oo, o_ok,
                                         D_IN, D_OUT, K, V, C, R, P, BC, BL, BLP, BI, BKI, BO, SIDE_K, BEFORE, GIN,
                                         GOUT, PREC, FOLD, PREC_XS, PREC_XR, PREC_XP, x2_ptr, NX, BEFORE2, xb_ptr,
                                         kb_ptr, PC0, PC1, PC2, PC3, PC4, DB, BDB, POLY, TX, SREV, HAS_H, vs_ptr, VS)
        if NEGF or NEGF2:
            neg_s = -_fold_scale(fold_ptr, c, n, T, HS, C, BC, FOLD)
            if NEGF:
                out = out * neg_s[:, None]
            if NEGF2:
                out2 = out2 * neg_s[:, None]
        out = out * OSCALE
        out2 = out2 * OSCALE2
        at = xseq * D_OUT + xrow[:, None] * D_OUT + oo[None, :]
        if SKIP > 0:
            out = _skip_term(out, skip_ptr, skipc_ptr, at, (t_ok & x_ok)[:, None] & o_ok[None, :], n % NH, oo, o_ok,
                             xseq + xrow, t_ok & x_ok, D_OUT, SKIP)
        tl.store(out_ptr + at, out, mask=(t_ok & x_ok)[:, None] & o_ok[None, :])
        if GAUGE != 0:
            _gauge_partial(gv_ptr, gout_ptr + ob * GSTRIDE, out, xseq, xrow, t_ok & x_ok, oo, o_ok, D_OUT, GAUGE)
        if NX == 2:
            tl.store(out2_ptr + at, out2, mask=(t_ok & x_ok)[:, None] & o_ok[None, :])
            if GAUGE2 != 0:
                _gauge_partial(gv2_ptr, gout2_ptr + ob * GSTRIDE, out2, xseq, xrow, t_ok & x_ok, oo, o_ok, D_OUT,
                               GAUGE2)
        return
    ii = tl.arange(0, BI)
    i_ok = ii < D_IN
    x = tl.load(x_ptr + xseq * D_IN + xrow[:, None] * D_IN + ii[None, :], mask=(t_ok & x_ok)[:, None] & i_ok[None, :],
                other=0.0).to(tl.float32)
    Gi_ptr, Go_ptr, Gi_src, Go_src, Sblk = _read_sides(G_ptr, Gex_ptr, Gv_ptr, Gvex_ptr, h_ptr, n, c, NC, ii, i_ok, oo,
                                                       o_ok, K, V, SIDE_K, BEFORE)
    if GIN == 1:
        Gi = tl.load(Gi_ptr + n * Tp + tok, mask=t_ok, other=0.0).to(tl.float32)
        xs = x * tl.exp(Gi)[:, None]
    elif GIN == 2:
        Gi = tl.load(Gi_ptr + (n * Tp) * D_IN + tok[:, None] * D_IN + ii[None, :], mask=t_ok[:, None] & i_ok[None, :],
                     other=0.0).to(tl.float32)
        xs = x * tl.exp(Gi)
    else:
        Gi = tl.zeros([BC], dtype=tl.float32)
        xs = x
    out = _dot(xs, Sblk, PREC)
    Go = tl.zeros([BC], dtype=tl.float32)
    if GOUT == 1:
        Go = tl.load(Go_ptr + n * Tp + tok, mask=t_ok, other=0.0).to(tl.float32)
        out = out * tl.exp(Go)[:, None]
    elif GOUT == 2:
        Go = tl.load(Go_ptr + (n * Tp) * D_OUT + tok[:, None] * D_OUT + oo[None, :], mask=t_ok[:, None] & o_ok[None, :],
                     other=0.0).to(tl.float32)
        out = out * tl.exp(Go)
    if FOLD > 0:
        # one pair loop: k' against v' - s u (SIDE_K; u is w_ptr) or v' - s u against k' (u is src_ptr)
        out = _pairs_loop(out, x, Gi, Go, srcin_ptr, win_ptr, Gi_src, Go_src, c, n, T, Tp, HS, t, t_ok, ii, i_ok, oo,
                          o_ok, 0, C, D_IN, D_OUT, C, 1, BEFORE, GIN, GOUT, w_ptr if SIDE_K else src_ptr, fold_ptr,
                          FOLD, not SIDE_K)
    elif R > 0:
        out = _pairs_loop(out, x, Gi, Go, src_ptr, w_ptr, Gi_src, Go_src, c, n, T, Tp, HS, t, t_ok, ii, i_ok, oo, o_ok,
                          0, C * R, D_IN, D_OUT, C, R, BEFORE, GIN, GOUT)
    if P > 0 and FOLD == 0:
        out = _pairs_loop(out, x, Gi, Go, srcin_ptr, win_ptr, Gi_src, Go_src, c, n, T, Tp, HS, t, t_ok, ii, i_ok, oo,
                          o_ok, 0, C * P, D_IN, D_OUT, C, P, BEFORE, GIN, GOUT)
    tl.store(out_ptr + xseq * D_OUT + xrow[:, None] * D_OUT + oo[None, :], out * OSCALE,
             mask=(t_ok & x_ok)[:, None] & o_ok[None, :])


@_launched
@triton.jit
def _recurrent_kernel(gk_ptr, gv_ptr, b_ptr, a_ptr, k_ptr, v_ptr, S0_ptr, ST_ptr, x_ptr, out_ptr, T,
                      NREAD: tl.constexpr, K: tl.constexpr, V: tl.constexpr, R: tl.constexpr, P: tl.constexpr, BK: tl.constexpr,
                      BV: tl.constexpr, GK: tl.constexpr, GV: tl.constexpr, HAS_S0: tl.constexpr,
                      BEFORE_MASK: tl.constexpr):
    """One sequence and value block: the state in registers, tokens in order (the fused-recurrent form).
    Reads are side-k (S^T x); bit r of BEFORE_MASK marks read r as taken before the update."""
    n = tl.program_id(0).to(tl.int64)  # 64-bit offsets: N*NC*K*V passes 2^31 at long T
    vb = tl.program_id(1)
    kk = tl.arange(0, BK)
    k_ok = kk < K
    vv = vb * BV + tl.arange(0, BV)
    v_ok = vv < V
    smask = k_ok[:, None] & v_ok[None, :]
    S = _initial_state(S0_ptr, n, kk, vv, smask, K, V, BK, BV, HAS_S0)
    for t in range(0, T):
        prev = S
        for r in tl.static_range(NREAD):
            if (BEFORE_MASK >> r) & 1:
                x = tl.load(x_ptr + ((r * tl.num_programs(0) + n) * T + t) * K + kk, mask=k_ok, other=0.0).to(tl.float32)
                tl.store(out_ptr + ((r * tl.num_programs(0) + n) * T + t) * V + vv, tl.sum(x[:, None] * prev, 0),
                         mask=v_ok)
        if GK == 1:
            S = S * tl.exp(tl.load(gk_ptr + n * T + t).to(tl.float32))
        if GK == 2:
            S = S * tl.exp(tl.load(gk_ptr + (n * T + t) * K + kk, mask=k_ok, other=0.0).to(tl.float32))[:, None]
        for j in tl.static_range(R):
            aj = tl.load(a_ptr + ((n * T + t) * R + j) * K + kk, mask=k_ok, other=0.0).to(tl.float32)
            bj = tl.load(b_ptr + ((n * T + t) * R + j) * K + kk, mask=k_ok, other=0.0).to(tl.float32)
            uj = tl.sum(aj[:, None] * prev, 0)
            S += bj[:, None] * uj[None, :]
        if GV:
            S = S * tl.exp(tl.load(gv_ptr + (n * T + t) * V + vv, mask=v_ok, other=0.0).to(tl.float32))[None, :]
        for i in tl.static_range(P):
            ki = tl.load(k_ptr + ((n * T + t) * P + i) * K + kk, mask=k_ok, other=0.0).to(tl.float32)
            vi = tl.load(v_ptr + ((n * T + t) * P + i) * V + vv, mask=v_ok, other=0.0).to(tl.float32)
            S += ki[:, None] * vi[None, :]
        for r in tl.static_range(NREAD):
            if not ((BEFORE_MASK >> r) & 1):
                x = tl.load(x_ptr + ((r * tl.num_programs(0) + n) * T + t) * K + kk, mask=k_ok, other=0.0).to(tl.float32)
                tl.store(out_ptr + ((r * tl.num_programs(0) + n) * T + t) * V + vv, tl.sum(x[:, None] * S, 0),
                         mask=v_ok)
    tl.store(ST_ptr + n * K * V + kk[:, None] * V + vv[None, :], S, mask=smask)


@_launched
@triton.jit
def _boundary_kernel(ha_ptr, hf_ptr, wk_ptr, wv_ptr, r_ptr, c_ptr, NC, K: tl.constexpr, V: tl.constexpr,
                     BKB: tl.constexpr, BV: tl.constexpr, WK: tl.constexpr, WV: tl.constexpr, ROWS: tl.constexpr,
                     COLS: tl.constexpr, ROWSUM: tl.constexpr = False):
    """Boundary j + 1 of sequence n: E = h_adj[NC - 1 - j] * h_fwd[j + 1]; row sums (weights over V; with ROWSUM
    summed over the rows too, one value) and column sums (weights over K), the key rows in blocks of BKB."""
    j = tl.program_id(0)
    n = tl.program_id(1).to(tl.int64)
    NB = NC - 1
    ha = ha_ptr + (n * NC + NC - 1 - j) * K * V
    hf = hf_ptr + (n * NC + j + 1) * K * V
    vv = tl.arange(0, BV)
    v_ok = vv < V
    if WV:
        wv = tl.load(wv_ptr + (n * NB + j) * V + vv, mask=v_ok, other=0.0).to(tl.float32)
    colsum = tl.zeros([BV], dtype=tl.float32)
    total = tl.zeros([BKB], dtype=tl.float32)
    for k0 in range(0, K, BKB):
        kk = k0 + tl.arange(0, BKB)
        k_ok = kk < K
        m = k_ok[:, None] & v_ok[None, :]
        E = (tl.load(ha + kk[:, None] * V + vv[None, :], mask=m, other=0.0).to(tl.float32)
             * tl.load(hf + kk[:, None] * V + vv[None, :], mask=m, other=0.0).to(tl.float32))
        if ROWS:
            rs = tl.sum(E * wv[None, :], 1) if WV else tl.sum(E, 1)
            if ROWSUM:
                total += rs
            else:
                tl.store(r_ptr + (n * NB + j) * K + kk, rs, mask=k_ok)
        if COLS:
            if WK:
                wk = tl.load(wk_ptr + (n * NB + j) * K + kk, mask=k_ok, other=0.0).to(tl.float32)
                colsum += tl.sum(E * wk[:, None], 0)
            else:
                colsum += tl.sum(E, 0)
    if ROWSUM:
        tl.store(r_ptr + n * NB + j, tl.sum(total, 0))
    if COLS:
        tl.store(c_ptr + (n * NB + j) * V + vv, colsum, mask=v_ok)


def chunk_boundary_sums_triton(h_adj, h_fwd, wk=None, wv=None, rows=True, cols=False, rowsum=False):
    """Triton version of engine.chunk_boundary_sums (fp32): one pass over both state sequences, no flipped copy
    and no [N, NC-1, K, V] product in memory. rowsum: the row sums summed over K too, [N, NC - 1, 1] (a scalar
    gate's: no eager sum after the launch)."""
    N, NC, K, V = h_fwd.shape
    dev = h_fwd.device
    f32 = torch.float32
    dummy = _dummy(dev)
    r = _empty(N, NC - 1, 1 if rowsum else K, device=dev, dtype=f32) if rows else dummy
    c = _empty(N, NC - 1, V, device=dev, dtype=f32) if cols else dummy
    wk_ = dummy if wk is None else wk.to(f32).contiguous()
    wv_ = dummy if wv is None else wv.to(f32).contiguous()
    BV = _p2(V)
    _boundary_kernel[(NC - 1, N)](h_adj.contiguous(), h_fwd.contiguous(), wk_, wv_, r, c, NC, K=K, V=V,
                                  BKB=max(1, min(_p2(K), 8192 // BV)), BV=BV, WK=wk is not None,
                                  WV=wv is not None, ROWS=rows, COLS=cols, ROWSUM=rows and rowsum)
    return (r if rows else None), (c if cols else None)


GAUGE_TERMS = 4  # gauge terms per launch of _gauge_sum_kernel (more: further launches, each adding to the last)


@triton.jit
def _gauge_product(v_ptr, r_ptr, c_ptr, own, ok, next_ok, step, SHIFT: tl.constexpr, CAST: tl.constexpr):
    """One gauge term's vec * res (fp32) over a tile whose elements lie at own (ok: those that exist), taken one token
    later (step elements on; next_ok: the later token exists) with SHIFT; CAST: res's own elements also stored into
    c in c's dtype."""
    if CAST:
        r = tl.load(r_ptr + own, mask=ok, other=0.0)
        tl.store(c_ptr + own, r.to(c_ptr.dtype.element_ty), mask=ok)
    if SHIFT:
        r = tl.load(r_ptr + own + step, mask=next_ok, other=0.0)
        v = tl.load(v_ptr + own + step, mask=next_ok, other=0.0)
    else:
        if not CAST:
            r = tl.load(r_ptr + own, mask=ok, other=0.0)
        v = tl.load(v_ptr + own, mask=ok, other=0.0)
    return v.to(tl.float32) * r.to(tl.float32)


@triton.jit
def _gauge_terms(v0, r0, c0, v1, r1, c1, v2, r2, c2, v3, r3, c3, W0, W1, W2, W3, own, ok, next_ok, step,
                 NT: tl.constexpr, SH0: tl.constexpr, SH1: tl.constexpr, SH2: tl.constexpr, SH3: tl.constexpr,
                 CA0: tl.constexpr, CA1: tl.constexpr, CA2: tl.constexpr, CA3: tl.constexpr):
    """sum over NT <= 4 gauge terms of W_i vec_i res_i over a tile (fp32; _gauge_product's shifts and casts)."""
    x = W0 * _gauge_product(v0, r0, c0, own, ok, next_ok, step, SH0, CA0)
    if NT > 1:
        x += W1 * _gauge_product(v1, r1, c1, own, ok, next_ok, step, SH1, CA1)
    if NT > 2:
        x += W2 * _gauge_product(v2, r2, c2, own, ok, next_ok, step, SH2, CA2)
    if NT > 3:
        x += W3 * _gauge_product(v3, r3, c3, own, ok, next_ok, step, SH3, CA3)
    return x


@_launched
@triton.jit
def _gauge_sum_kernel(v0, r0, c0, v1, r1, c1, v2, r2, c2, v3, r3, c3, acc_ptr, out_ptr, W0, W1, W2, W3, T, HS,
                      D: tl.constexpr, BT: tl.constexpr, BD: tl.constexpr, NT: tl.constexpr,
                      SH0: tl.constexpr, SH1: tl.constexpr, SH2: tl.constexpr, SH3: tl.constexpr,
                      CA0: tl.constexpr, CA1: tl.constexpr, CA2: tl.constexpr, CA3: tl.constexpr,
                      HAS_ACC: tl.constexpr, SUM_D: tl.constexpr):
    """A gate gradient's gauge sum per token: acc + sum over NT <= 4 terms of W_i vec_i res_i (W_i = +-1; at the next
    token with SH_i, zero at the last; CA_i: res_i's elements also stored into c_i in c_i's dtype), fp32, per (block
    of BT tokens, sequence, block of BD dimensions) in the [N, T, D] or [B, T, HS, D] layout (_seq_row); SUM_D: summed
    over the D dimensions (a scalar gate's, one block of them), out and acc then [N, T] or [B, T, HS]."""
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets
    t = tl.program_id(0) * BT + tl.arange(0, BT)
    dd = tl.program_id(2) * BD + tl.arange(0, BD)
    d_ok = dd < D
    row = _seq_row(n, T, HS)
    own = row * D + (t * HS)[:, None] * D + dd[None, :]
    ok = (t < T)[:, None] & d_ok[None, :]
    x = _gauge_terms(v0, r0, c0, v1, r1, c1, v2, r2, c2, v3, r3, c3, W0, W1, W2, W3, own, ok,
                     (t + 1 < T)[:, None] & d_ok[None, :], HS * D, NT, SH0, SH1, SH2, SH3, CA0, CA1, CA2, CA3)
    if SUM_D:
        at = row + t * HS
        y = tl.sum(x, 1)
        if HAS_ACC:
            y += tl.load(acc_ptr + at, mask=t < T, other=0.0).to(tl.float32)
        tl.store(out_ptr + at, y, mask=t < T)
    else:
        if HAS_ACC:
            x += tl.load(acc_ptr + own, mask=ok, other=0.0).to(tl.float32)
        tl.store(out_ptr + own, x, mask=ok)


def _gauge_term_args(group, dev, dummy):
    """A launch's gauge terms (at most GAUGE_TERMS of gauge_sum_triton's (sign, vec, res, shift, cast)) as the
    kernels' arguments: (the 12 pointers and 4 weights, the NT / SH_i / CA_i flags, each res as its cast gives)."""
    args, shifts, casts, weights, done = [], [], [], [], []
    for sign, v, r, shift, cast in group:
        r = r.contiguous()
        # the interpreter's fp32 -> bf16 and fp16 stores do not round to nearest (Triton 3.6, unlike the GPU's
        # and torch's casts): on the CPU torch makes those
        in_kernel = cast is not None and cast != r.dtype and (dev.type == "cuda" or cast.itemsize > 2)
        c = _empty(*r.shape, device=dev, dtype=cast) if in_kernel else None
        done.append(r if cast is None else (c if c is not None else r.to(cast)))
        args += [v.contiguous(), r, dummy if c is None else c]
        shifts.append(bool(shift))
        casts.append(c is not None)
        weights.append(float(sign))
    pad = GAUGE_TERMS - len(group)
    args += [dummy] * (3 * pad) + weights + [0.0] * pad
    shifts += [False] * pad
    casts += [False] * pad
    flags = dict(NT=len(group), **{f"SH{i}": shifts[i] for i in range(GAUGE_TERMS)},
                 **{f"CA{i}": casts[i] for i in range(GAUGE_TERMS)})
    return args, flags, done


def gauge_sum_triton(terms, acc=None, heads=1, sum_d=False):
    """A key log-gate's gauge sum per token (the glue's sum of sign * vec * res products), in one pass per four
    terms: acc (None: zero) plus, over terms (sign, vec, res, shift, cast), sign * vec * res, at token t + 1 for a
    shifted term (zero at the last token), fp32, in the terms' layout [N, T, D] (or [B, T, heads, D]); sum_d: summed
    over D (a scalar gate's terms), [N, T] (or [B, T, heads]). A term's cast (a dtype, or None) also gives its res in
    that dtype, stored by the same pass (its input's gradient, the glue's cast). Returns (sum, [each res, cast])."""
    vec = terms[0][1]
    D = vec.shape[-1]
    T = vec.shape[1]
    N = vec.shape[0] * heads
    dev = vec.device
    dummy = _dummy(dev)
    out = _empty(*vec.shape[:-1], *(() if sum_d else (D,)), device=dev, dtype=torch.float32)
    BD = _p2(D) if sum_d else min(_p2(D), 128)
    BT = max(1, min(32, 4096 // BD))
    done = []
    for first in range(0, len(terms), GAUGE_TERMS):
        args, flags, casts = _gauge_term_args(terms[first:first + GAUGE_TERMS], dev, dummy)
        _gauge_sum_kernel[(_cdiv(T, BT), N, 1 if sum_d else _cdiv(D, BD))](
            *args[:12], dummy if acc is None else acc.contiguous(), out, *args[12:], T, heads, D=D, BT=BT, BD=BD,
            HAS_ACC=acc is not None, SUM_D=sum_d, **flags)
        done += casts
        acc = out
    return out, done


@_launched
@triton.jit
def _gate_grad_kernel(dG_ptr, dG2_ptr, fin_ptr, P_ptr, gk_ptr, out_ptr, v0, r0, c0, v1, r1, c1, v2, r2, c2, v3, r3, c3,
                      W0, W1, W2, W3, PS, T, NC, HS, D: tl.constexpr, C: tl.constexpr, BD: tl.constexpr,
                      HAS_P: tl.constexpr, HAS_FIN: tl.constexpr, P_EXP: tl.constexpr = True,
                      HAS_DG: tl.constexpr = True, HAS_DG2: tl.constexpr = False,
                      NT: tl.constexpr = 0, SH0: tl.constexpr = False, SH1: tl.constexpr = False,
                      SH2: tl.constexpr = False, SH3: tl.constexpr = False, CA0: tl.constexpr = False,
                      CA1: tl.constexpr = False, CA2: tl.constexpr = False, CA3: tl.constexpr = False):
    """A key log-gate's gradient per (chunk, sequence, dimension block): the chunk's rows of gauge sums (dG with
    HAS_DG, dG2 with HAS_DG2, plus NT <= 4 gauge terms as _gauge_sum_kernel's), the final state's term added at the last token
    (HAS_FIN), summed over s >= t within the chunk, plus the boundary term PS P[n, c] e^{g at the next chunk's first
    token} (P_EXP; else PS P[n, c]) for every chunk but the last; stored in out's dtype."""
    c = tl.program_id(0)
    n = tl.program_id(1).to(tl.int64)  # 64-bit offsets
    dd = tl.program_id(2) * BD + tl.arange(0, BD)
    d_ok = dd < D
    t = c * C + tl.arange(0, C)
    t_ok = t < T
    mask = t_ok[:, None] & d_ok[None, :]
    seq = _seq_row(n, T, HS) * D
    off = seq + (t * HS)[:, None] * D + dd[None, :]
    x = tl.zeros((C, BD), dtype=tl.float32)
    if HAS_DG:
        x += tl.load(dG_ptr + off, mask=mask, other=0.0).to(tl.float32)
    if HAS_DG2:
        x += tl.load(dG2_ptr + off, mask=mask, other=0.0).to(tl.float32)
    if NT > 0:
        x += _gauge_terms(v0, r0, c0, v1, r1, c1, v2, r2, c2, v3, r3, c3, W0, W1, W2, W3, off, mask,
                          (t + 1 < T)[:, None] & d_ok[None, :], HS * D, NT, SH0, SH1, SH2, SH3, CA0, CA1, CA2, CA3)
    if HAS_FIN:
        fin = tl.load(fin_ptr + n * D + dd, mask=d_ok, other=0.0).to(tl.float32)
        x += tl.where((t == T - 1)[:, None], fin[None, :], 0.0)
    y = tl.cumsum(x, axis=0, reverse=True)
    if HAS_P:
        if c < NC - 1:
            p = tl.load(P_ptr + (n * (NC - 1) + c) * D + dd, mask=d_ok, other=0.0).to(tl.float32) * PS
            if P_EXP:
                g = tl.load(gk_ptr + seq + ((c + 1) * C * HS) * D + dd, mask=d_ok, other=0.0).to(tl.float32)
                p = p * tl.exp(g)
            y += p[None, :]
    tl.store(out_ptr + off, y, mask=mask)


def _gate_grad_launch(dG, terms, fin, P, gk, C, heads, out_dtype, p_scale=None):
    """_gate_grad_kernel's launch for gate_grad_triton and gauge_gate_grad_triton: dG (None: zero; a tensor or a
    pair of them, added) plus terms (at most GAUGE_TERMS, as gauge_sum_triton's) per token. Returns (the gradient,
    each term's res as its cast gives); P times p_scale (None: 1)."""
    dG, dG2 = (tuple(dG) + (None,))[:2] if isinstance(dG, (tuple, list)) else (dG, None)
    like = dG if dG is not None else terms[0][1]
    vector = like.dim() == (4 if heads > 1 else 3)
    D = like.shape[-1] if vector else 1
    T = like.shape[1]
    N = like.shape[0] * heads
    NC = _cdiv(T, C)
    dev = like.device
    dummy = _dummy(dev)
    final = out_dtype or (dG.dtype if dG is not None else torch.float32)
    # the interpreter's fp32 -> bf16 stores do not round to nearest (Triton 3.6, unlike the GPU's and torch's casts):
    # on the CPU the kernel stores fp32 and torch casts
    out = _empty(*like.shape, device=dev, dtype=final if like.is_cuda else torch.float32)
    has_p = P is not None and NC > 1
    BD = min(_p2(D), 64)
    args, flags, done = _gauge_term_args(terms, dev, dummy)
    _gate_grad_kernel[(NC, N, _cdiv(D, BD))](dummy if dG is None else dG.contiguous(),
                                             dummy if dG2 is None else dG2.contiguous(),
                                             dummy if fin is None else fin.to(torch.float32).contiguous(),
                                             P.to(torch.float32).contiguous() if has_p else dummy,
                                             gk.contiguous() if has_p and gk is not None else dummy, out, *args,
                                             1.0 if p_scale is None else float(p_scale), T, NC,
                                             heads, D=D, C=C, BD=BD, HAS_P=has_p, HAS_FIN=fin is not None,
                                             P_EXP=gk is not None, HAS_DG=dG is not None, HAS_DG2=dG2 is not None,
                                             **flags)
    return out.to(final), done


def gate_grad_triton(dG, fin, P, gk, C, heads=1, out_dtype=None, p_scale=None):
    """A key log-gate's gradient from its gauge sums in one pass (the glue's engine.local_rev_cumsum, final-state
    and boundary adds and the cast): dG [N, T(, D)] per token (or [B, T, heads(, D)]; or a pair of them, added by
    the kernel), fin [N(, D)] the final state's term at the last token (None: none), P [N, NC - 1(, D)] the
    chunk-boundary sums (None for one chunk), gk the log-gate in dG's layout, whose value at each next chunk's first
    token weighs P (None: P unweighted, as the chunk-level adjoint's boundary sums come), p_scale a constant factor
    of P (None: 1). Returns dG's shape in out_dtype (dG's by default)."""
    return _gate_grad_launch(dG, [], fin, P, gk, C, heads, out_dtype, p_scale)[0]


def gauge_gate_grad_triton(terms, acc, fin, P, gk, C, heads=1, out_dtype=None, p_scale=None):
    """gate_grad_triton with the last gauge terms summed in the same pass: the per-token sums are acc (None: zero)
    plus gauge_sum_triton's terms (at most GAUGE_TERMS, a per-dimension gate's: no sum over D), never stored.
    Returns (the gradient, [each term's res, cast]) as gauge_sum_triton's results."""
    assert 0 < len(terms) <= GAUGE_TERMS, "one launch takes at most GAUGE_TERMS terms"
    return _gate_grad_launch(acc, terms, fin, P, gk, C, heads, out_dtype, p_scale)


@_launched
@triton.jit
def _chunk_adjoint_pass_kernel(b_ptr, w_ptr, d0_ptr, x_ptr, do_ptr, G_ptr, Gex_ptr, dST_ptr, hend_ptr, du_ptr,
                               dS0_ptr, fold_ptr, dvd_ptr, h_ptr, bsum_ptr, T, Tp, NC, HS, OSCALE, K: tl.constexpr,
                               V: tl.constexpr, C: tl.constexpr,
                               R: tl.constexpr, NX: tl.constexpr, BK: tl.constexpr, BV: tl.constexpr,
                               BL: tl.constexpr, BLX: tl.constexpr, GK: tl.constexpr, PREC: tl.constexpr,
                               BEFORE_MASK: tl.constexpr = 0, REV_H: tl.constexpr = False,
                               FOLD: tl.constexpr = 0, PAIRS: tl.constexpr = False,
                               PAIR_PREC: tl.constexpr = "tf32", SCALE_ROWS: tl.constexpr = False,
                               BOUNDARY: tl.constexpr = 0, HAS_DST: tl.constexpr = True,
                               VADJ: tl.constexpr = False, STORE_DU: tl.constexpr = True):
    """The chunk-level adjoint's state pass (engine.chunk_adjoint's), the chunks last to first, one program per
    (sequence, value block): du_c = (e^{G_C - G} b) dS + D0_c,  dS <- e^{G_C} dS + (e^E x)^T dO + W_c^T du_c; the dS
    entering chunk c (the cotangent of its end state) is stored as hend[c], the last one as dS0. b [.., R, K], D0
    [.., R, V] (the reads' pair terms of the pseudo-values), x [.., NX, K] and dO [.., NX, V] (the readers and their
    cotangents) in the token layout of HS (_seq_row), loaded as stored and decayed here; W the forward's WY rows and
    du [N, NC, C R, K | V]; G, Gex the key gate's sums within chunks, inclusive and exclusive, [N, Tp] (GK 1) or
    [N, Tp, K] (GK 2); E = G for reads after the update, Gex for reads before (bit i of BEFORE_MASK: read i).
    fp32 state and accumulators. REV_H: hend in the adjoint's order instead (the chunks last to first: the
    chunk-start states of a scan over reversed time). FOLD (the delta rule's b = -s k', R = 1; s = 1 or per token
    from fold_ptr, as _fold_scale): b and D0 given as k' and its pair terms, so that the product is dv's direct
    part, stored into dvd (k''s value rows, fp32), and du = -s times it. PAIRS (no gate): D0 made here instead of
    loaded, D0 = A dO with A[l, x] = b_l . x_x where x's token is at or after l's (strictly after for reads before
    the update), from the raw tiles the pass loads anyway; A dO in PAIR_PREC (the pair weights are computed fp32
    values: tf32 for bf16 inputs, as the reads' pair products). SCALE_ROWS (a scalar gate): b's and x's tiles stay
    as loaded and their decays scale the rows of the narrower tiles instead, (e^{G_C - G} b) dS = e^{G_C - G} (b dS)
    and (e^E x)^T dO = x^T (e^E dO), so no [C, K] fp32 tile is made (registers). BOUNDARY: also the gate gradient's
    boundary sums <hend_c, h_(c+1)> over the program's value block, from the fp32 dS and the forward's chunk-start
    states h [N, NC, K, V], into bsum (chunk_boundary_sums_triton's, without reading hend again): BOUNDARY 1 (a
    scalar gate) one sum per program, [N, programs over V, NC], BOUNDARY 2 (per-dimension) one per key row,
    [N, programs over V, NC, K]. OSCALE: a constant the stored du, dv's direct part, dS0 and boundary sums are
    multiplied by (not hend: chunk_adjoint_triton's read_scale). VADJ: a sequence's value blocks adjacent in the
    launch order (_state_kernel's). STORE_DU False (FOLD): no du stored, its readers make it from dvd (du = -s dvd:
    the WY backward's DU_FOLD)."""
    tl.static_assert(STORE_DU or FOLD > 0, "du made from dv's direct part: the fold's")
    tl.static_assert(not (PAIRS and GK > 0), "the pass makes the pair terms without a gate only")
    NVB: tl.constexpr = (V + BV - 1) // BV
    n, vb = _first_and_block(tl.program_id(0), NVB, VADJ, 1)
    n = n.to(tl.int64)
    kk = tl.arange(0, BK)
    vv = vb * BV + tl.arange(0, BV)
    k_ok, v_ok = kk < K, vv < V
    L: tl.constexpr = C * R
    ll = tl.arange(0, BL)
    xx = tl.arange(0, BLX)
    t_l, t_x = ll // R, xx // NX
    seq = _seq_row(n, T, HS)
    before = ((BEFORE_MASK >> (xx % NX)) & 1) == 1
    kv = kk[:, None] * V + vv[None, :]
    m_kv = k_ok[:, None] & v_ok[None, :]
    dS = _initial_state(dST_ptr, n, kk, vv, m_kv, K, V, BK, BV, HAS_DST)
    for i in range(NC):
        c = NC - 1 - i
        nc = n * NC + c
        tl.store(hend_ptr + (n * NC + i if REV_H else nc) * K * V + kv, dS.to(hend_ptr.dtype.element_ty), mask=m_kv)
        if BOUNDARY:
            if i > 0:
                at = (n * NVB + vb) * NC + c
                _store_boundary_part(dS, h_ptr + (nc + 1) * K * V, kv, m_kv,
                                     bsum_ptr + (at * K if BOUNDARY == 2 else at), kk, k_ok, BOUNDARY == 2, OSCALE)
        tok = c * C + t_l
        l_ok = (ll < L) & (tok < T)
        xtok = c * C + t_x
        x_ok = (xx < C * NX) & (xtok < T)
        l_at = (tok * HS * R + ll % R)[:, None]
        x_at = (xtok * HS * NX + xx % NX)[:, None]
        bt = tl.load(b_ptr + seq * R * K + l_at * K + kk[None, :], mask=l_ok[:, None] & k_ok[None, :], other=0.0)
        xt = tl.load(x_ptr + seq * NX * K + x_at * K + kk[None, :], mask=x_ok[:, None] & k_ok[None, :], other=0.0)
        if PAIRS:
            dO = tl.load(do_ptr + seq * NX * V + x_at * V + vv[None, :], mask=x_ok[:, None] & v_ok[None, :],
                         other=0.0)
            pair = _dot(bt, tl.trans(xt), PREC)
            later = t_x[None, :] > t_l[:, None]
            keep = (later | ((t_x[None, :] == t_l[:, None]) & ~before[None, :])) & l_ok[:, None] & x_ok[None, :]
        if GK > 0:
            G_end = _gate_row(G_ptr, n, c * C + C - 1, kk, k_ok, Tp, K, GK)
            Gl = _gate_rows(G_ptr, n, tok, l_ok, kk, k_ok, Tp, K, GK, BL)
            Ex = _gate_rows(G_ptr, n, xtok, x_ok, kk, k_ok, Tp, K, GK, BLX)
            if BEFORE_MASK != 0:
                Ex = tl.where(before if GK == 1 else before[:, None],
                              _gate_rows(Gex_ptr, n, xtok, x_ok, kk, k_ok, Tp, K, GK, BLX), Ex)
            if GK == 1 and SCALE_ROWS:
                b_rows = tl.exp(G_end - Gl)
            elif GK == 1:
                bt = bt.to(tl.float32) * tl.exp(G_end - Gl)[:, None]
                xt = xt.to(tl.float32) * tl.exp(Ex)[:, None]
            else:
                bt = bt.to(tl.float32) * tl.exp(G_end[None, :] - Gl)
                xt = xt.to(tl.float32) * tl.exp(Ex)
        bdS = _dot(bt, dS, PREC)
        if GK == 1 and SCALE_ROWS:
            bdS = bdS * b_rows[:, None]
        if PAIRS:
            du = bdS + _dot(tl.where(keep, pair, 0.0), dO, PAIR_PREC)
        else:
            du = bdS + tl.load(d0_ptr + seq * R * V + l_at * V + vv[None, :],
                               mask=l_ok[:, None] & v_ok[None, :], other=0.0).to(tl.float32)
        if FOLD > 0:
            tl.store(dvd_ptr + seq * V + l_at * V + vv[None, :], (du * OSCALE).to(dvd_ptr.dtype.element_ty),
                     mask=l_ok[:, None] & v_ok[None, :])
            du = du * -_fold_scale(fold_ptr, c, n, T, HS, C, BL, FOLD)[:, None]
        if STORE_DU:
            tl.store(du_ptr + nc * L * V + ll[:, None] * V + vv[None, :], (du * OSCALE).to(du_ptr.dtype.element_ty),
                     mask=(ll < L)[:, None] & v_ok[None, :])
        w = tl.load(w_ptr + nc * L * K + ll[:, None] * K + kk[None, :], mask=(ll < L)[:, None] & k_ok[None, :],
                    other=0.0)
        if not PAIRS:
            dO = tl.load(do_ptr + seq * NX * V + x_at * V + vv[None, :], mask=x_ok[:, None] & v_ok[None, :],
                         other=0.0)
        if GK == 1:
            dS = dS * tl.exp(G_end)
        elif GK == 2:
            dS = dS * tl.exp(G_end)[:, None]
        if GK == 1 and SCALE_ROWS:
            dO = dO.to(tl.float32) * tl.exp(Ex)[:, None]
        dS = dS + _dot(tl.trans(xt), dO, PREC) + _dot(tl.trans(w), du, PREC)
    tl.store(dS0_ptr + n * K * V + kv, dS * OSCALE, mask=m_kv)


def chunk_adjoint_pass_triton(b, W, D0, x, dO, G, Gex, dST, chunk, heads=1, before_mask=0, precision=ACCURATE,
                              block_v=None, reversed_h=False, h_dtype=torch.float32, fold=None, du_dtype=torch.float32,
                              h_bound=None, out_scale=1.0, dvd_dtype=torch.float32, store_du=True):
    """The chunk-level adjoint's state pass (_chunk_adjoint_pass_kernel): b [.., R, K], D0 [.., R, V], x [.., NX, K],
    dO [.., NX, V] in the token layout of heads, W [N, NC, C R, K], G and Gex the key gate's sums within chunks
    ([N, Tp] or [N, Tp, K]; None without a gate; Gex only for reads before, before_mask's bits), dST [N, K, V]
    (None: zero, _chunk_adjoint_pass_kernel's HAS_DST).
    Returns (hend [N, NC, K, V]: the cotangent of each chunk's end state, in the adjoint's order with reversed_h,
    du [N, NC, C R, V], dS0 [N, K, V]), fp32 (hend in h_dtype, du in du_dtype); with fold (True or s [N, T] /
    [B, T, heads]: b and D0 given as the delta rule's k' and its pair terms, _chunk_adjoint_pass_kernel's FOLD) a
    fourth, dv's direct part [.., 1, V] in dvd_dtype. D0 None (no gate): the kernel makes the pair terms itself
    (PAIRS; their product with dO in tf32 for bf16 products, LINDSL_TUNE_PASS_PAIR_PREC overrides). h_bound: the
    forward's chunk-start states [N, NC, K, V]; then last the gate gradient's boundary sums <hend_c, h_(c+1)>
    [N, NC - 1] (chunk_boundary_sums_triton(hend, h)'s row sums summed, made from the pass's fp32 states: the
    kernel's BOUNDARY), or with a per-dimension gate G its row sums [N, NC - 1, K]. out_scale: a constant every
    result but hend is multiplied by as stored (the kernel's OSCALE).
    store_du False (with fold): du is None, its readers make it from dv's direct part (the kernel's STORE_DU).
    LINDSL_TUNE_PASS_BV: the value block (32), PASS_STAGES the pipeline's stages (_pass_stages), PASS_WARPS the
    warps (4)."""
    HS = int(heads)
    lead = _lead_dims(HS)
    N, T = b.shape[0] * HS, b.shape[1]
    R, K = b.shape[lead], b.shape[-1]
    NX, V = x.shape[lead], dO.shape[-1]
    C = int(chunk)
    NC = _cdiv(T, C)
    f32 = torch.float32
    dev = b.device
    dummy = _dummy(dev)
    hend = _empty(N, NC, K, V, device=dev, dtype=h_dtype)
    du = _empty(N, NC, C * R, V, device=dev, dtype=du_dtype) if store_du else dummy
    dS0 = _empty(N, K, V, device=dev, dtype=f32)
    GK = 0 if G is None else (1 if G.dim() == 2 else 2)
    FOLD = 0 if fold is None or fold is False else (1 if fold is True else 2)
    if not store_du and not FOLD:
        raise ValueError("du made from dv's direct part (store_du False) takes the fold")
    pairs = D0 is None
    if before_mask and G is not None and Gex is None:
        raise ValueError("reads before the update (before_mask) need the exclusive gate sums Gex")
    if pairs and GK:
        raise ValueError("the pass makes the pair terms (D0 None) without a gate only: with a scalar gate it faulted "
                         "on the H200 (an illegal memory access, session 42) and was slower than the read's")
    dvd = _empty(*b.shape[:-1], V, device=dev, dtype=dvd_dtype) if FOLD else dummy
    BV = _p2(block_v or min(V, _knob("PASS_BV", 32)))
    # SCALE_ROWS: ptxas at K = V = 128 in bf16, Gated DeltaNet: 254 -> 178 registers, shared memory 86532 -> 127748 B
    # (the loaded tiles now pipelined); session 46, H200, Gated DeltaNet 2x16384x16x128 forward+backward 7.14 ->
    # 6.93 ms alone (checks green at gate x1 and x10). LINDSL_TUNE_PASS_SCALE_ROWS=0 restores the old tiles
    scale_rows = bool(_knob("PASS_SCALE_ROWS", 1))
    bound = 0 if h_bound is None else GK if GK else 1  # one sum per program, or per key row (per-dimension gate)
    bsum = (dummy if h_bound is None
            else _empty(N, _cdiv(V, BV), NC, *((K,) if bound == 2 else ()), device=dev, dtype=f32))  # c < NC - 1
    vadj = _grid_vadj(2)
    _chunk_adjoint_pass_kernel[(N * _cdiv(V, BV), 1) if vadj else (N, _cdiv(V, BV))](
        *(_data(t, dummy) for t in (b, W, D0, x, dO, G, Gex)), dummy if dST is None else dST.to(f32).contiguous(),
        hend, du, dS0,
        _data(fold, dummy) if FOLD == 2 else dummy, dvd, dummy if h_bound is None else h_bound.contiguous(), bsum, T,
        NC * C, NC, HS, float(out_scale), K=K, V=V, C=C, R=R, NX=NX, BK=_p2(K), BV=BV, BL=_p2(C * R),
        BLX=_p2(C * NX), GK=GK, PREC=_for_interpreter(precision), BEFORE_MASK=int(before_mask), REV_H=reversed_h,
        FOLD=FOLD, PAIRS=pairs,
        PAIR_PREC=_for_interpreter(_knob("PASS_PAIR_PREC", "tf32" if precision == "bf16" else precision)),
        SCALE_ROWS=scale_rows, BOUNDARY=bound, HAS_DST=dST is not None, VADJ=vadj, STORE_DU=store_du,
        num_stages=_pass_stages(b.element_size(), GK, scale_rows), num_warps=_knob("PASS_WARPS", 4))
    return ((hend, du if store_du else None, dS0) + ((dvd,) if FOLD else ())
            + (() if h_bound is None else (bsum.sum(1)[:, :NC - 1],)))


def _pass_stages(tile_bytes, GK, scale_rows):
    """The pipeline stages of _chunk_adjoint_pass_kernel's launch (LINDSL_TUNE_PASS_STAGES overrides): two, but one
    for fp32 tiles whose scalar gate's decays scale other rows (SCALE_ROWS): there b's and x's [C, K] tiles feed the
    products as loaded, so the pipeline buffers them in shared memory, 246 KB at K = V = 128 in two stages (the H200
    has 227)."""
    return _knob("PASS_STAGES", 1 if tile_bytes > 2 and GK == 1 and scale_rows else 2)


@triton.jit
def _strict_decays(G_ptr, Gex_ptr, n, t_row, tok, row_ok, t_col, ctok, col_ok, Tp, GK: tl.constexpr):
    """e^{G-_t - G_s} for the rows' tokens t after the columns' s within a chunk, 0 elsewhere (the mask alone without
    a gate; scalar gate sums [N, Tp])."""
    lower = (t_row[:, None] > t_col[None, :]) & row_ok[:, None] & col_ok[None, :]
    if GK == 1:
        Gex = tl.load(Gex_ptr + n * Tp + tok, mask=row_ok, other=0.0)
        Gs = tl.load(G_ptr + n * Tp + ctok, mask=col_ok, other=0.0)
        return tl.exp(tl.where(lower, Gex[:, None] - Gs[None, :], float("-inf")))
    return tl.where(lower, 1.0, 0.0)


@_launched
@triton.jit
def _chunk_dw_kernel(du_ptr, h_ptr, v_ptr, dw_ptr, dvv_ptr, dvu_ptr, fold_ptr, T, NC, HS, K: tl.constexpr,
                     V: tl.constexpr, C: tl.constexpr, R: tl.constexpr, P: tl.constexpr, PD: tl.constexpr,
                     BL: tl.constexpr, BLP: tl.constexpr, BKB: tl.constexpr, BV: tl.constexpr, PREC: tl.constexpr,
                     VADJ: tl.constexpr = False, DU_FOLD: tl.constexpr = 0):
    """The chunk-level adjoint's products of the pass's du [N, NC, L, V] with the forward's chunk-start state and
    values, per (chunk, sequence, key block): dW = du S_c^T into dw [N, NC, L, K] and, by the first key block's
    program, du V^T into dvv [N, NC, L, C P] (fla's dw of chunk_bwd_dqkwg); fp32 sums stored in dw's and dvv's
    dtype. VADJ: a chunk's key blocks adjacent in the launch order (_first_and_block), sharing its du tile.
    DU_FOLD (the delta rule's fold, R = P = 1; 1: s = 1, 2: s per token from fold_ptr): du made from dv's direct
    part dvu in the token layout, du = -s dvu (the pass's STORE_DU False), instead of loaded from du_ptr."""
    tl.static_assert(DU_FOLD == 0 or (R == 1 and P == 1), "du from dv's direct part: the fold's one pair")
    c, kb = _first_and_block(tl.program_id(0), (K + BKB - 1) // BKB, VADJ)
    n = tl.program_id(1).to(tl.int64)
    L: tl.constexpr = C * R
    rows = tl.arange(0, BL)
    kk = kb * BKB + tl.arange(0, BKB)
    k_ok = kk < K
    prow, _, ptok, p_ok = _chunk_rows(c, T, C, PD, BLP)
    p_ok = p_ok & (prow < C * P)
    poff = (ptok * HS * P + prow % PD)[:, None]
    seq = _seq_row(n, T, HS)
    cbase = n * NC + c
    dW = tl.zeros([BL, BKB], dtype=tl.float32)
    DV = tl.zeros([BL, BLP], dtype=tl.float32)
    if DU_FOLD > 0:
        neg_s = -_fold_scale(fold_ptr, c, n, T, HS, C, BL, DU_FOLD)
    for v0 in range(0, V, BV):
        vv = v0 + tl.arange(0, BV)
        v_ok = vv < V
        if DU_FOLD > 0:
            du = tl.load(dvu_ptr + seq * V + poff * V + vv[None, :], mask=p_ok[:, None] & v_ok[None, :],
                         other=0.0).to(tl.float32) * neg_s[:, None]
        else:
            du = tl.load(du_ptr + cbase * L * V + rows[:, None] * V + vv[None, :],
                         mask=(rows < L)[:, None] & v_ok[None, :], other=0.0)
        S = tl.load(h_ptr + cbase * K * V + kk[:, None] * V + vv[None, :], mask=k_ok[:, None] & v_ok[None, :],
                    other=0.0)
        dW = _dot_acc(dW, du, tl.trans(S), PREC)
        if P > 0 and kb == 0:
            vp = tl.load(v_ptr + seq * P * V + poff * V + vv[None, :], mask=p_ok[:, None] & v_ok[None, :], other=0.0)
            DV = _dot_acc(DV, du, tl.trans(vp), PREC)
    tl.store(dw_ptr + cbase * L * K + rows[:, None] * K + kk[None, :], dW.to(dw_ptr.dtype.element_ty),
             mask=(rows < L)[:, None] & k_ok[None, :])
    if P > 0 and kb == 0:
        tl.store(dvv_ptr + cbase * L * (C * P) + rows[:, None] * (C * P) + prow[None, :],
                 DV.to(dvv_ptr.dtype.element_ty), mask=(rows < L)[:, None] & (prow < C * P)[None, :])


@triton.jit
def _wy_source_grads(src_ptr, dsrc_ptr, dout_ptr, at, m, dS, a, da, g_src, PREC: tl.constexpr, GAUGE: tl.constexpr,
                     GAUGE_OWN: tl.constexpr = False):
    """One source's terms in the WY backward (b with dM, k with dN): da + dS src, its gradient dsrc + dS^T a stored
    to dout (in dout's dtype), and with GAUGE g_src - rowsum(src * that gradient) (GAUGE_OWN: of this kernel's part
    dS^T a alone, the loaded dsrc's part summed by its maker). Returns (da, g_src)."""
    src = tl.load(src_ptr + at, mask=m, other=0.0)
    own = _dot(tl.trans(dS), a, PREC)
    d = tl.load(dsrc_ptr + at, mask=m, other=0.0) + own
    tl.store(dout_ptr + at, d.to(dout_ptr.dtype.element_ty), mask=m)
    if GAUGE:
        g_src -= tl.sum(src.to(tl.float32) * (own if GAUGE_OWN else d), 1)
    return da + _dot(dS, src, PREC), g_src


@_launched
@triton.jit
def _gated_pairs_kernel(A_ptr, A2_ptr, a_ptr, b_ptr, k_ptr, G_ptr, Gex_ptr, da_ptr, db_ptr, dk_ptr, T, Tp, NC, HS,
                        K: tl.constexpr, C: tl.constexpr, BK: tl.constexpr, FWD: tl.constexpr, BWD: tl.constexpr,
                        TWO: tl.constexpr, PREC: tl.constexpr):
    """The chunk-level adjoint's products of pair matrices A [N, NC, C, C] (rows t, columns s of a chunk; only
    s < t taken) with a per-dimension key gate's decays D_ts = e^{Gex_t - G_s}, added to the WY backward's
    gradients through M and N:
        FWD: da_t += sum_(s<t) (A[t, s] b_s + A2[t, s] k_s) D_ts  (A2 and k with TWO),
        BWD: db_s += sum_(t>s) A[t, s] a_t D_ts, dk_s += sum_(t>s) A2[t, s] a_t D_ts (with TWO),
    G, Gex the gate's inclusive and exclusive sums within chunks [N, Tp, K]; a, b, k and the gradients per-token rows
    [.., K] in the token layout of HS (_seq_row). One program per (chunk, 16-row block, key block of BK), either
    direction or both (fla's chunk_kda_bwd_kernel_intra's layout). Block pairs through one reference row per
    program, both factors at most 1 (FWD: the row before the block, e^{Gex_t - G_r} and e^{G_r - G_s}; BWD: the
    block's last row), on the tensor cores in PREC; the diagonal block pair by pair (the loop unrolled on four warps
    measured slower: session 61, benchmarks/NOTES.md v61). The gate sums are loaded past T too (rows to Tp, flat
    there: every exponent stays at most 0)."""
    SB: tl.constexpr = 16
    NSB: tl.constexpr = C // SB
    NKB: tl.constexpr = (K + BK - 1) // BK
    pid = tl.program_id(0)
    c = pid // (NSB * NKB)
    I = (pid // NKB) % NSB
    n = tl.program_id(1).to(tl.int64)
    seq = _seq_row(n, T, HS)
    sb = tl.arange(0, SB)
    kk = (pid % NKB) * BK + tl.arange(0, BK)
    k_ok = kk < K
    own = I * SB + sb
    own_tok = c * C + own
    own_ok = own_tok < T
    m_own = own_ok[:, None] & k_ok[None, :]
    at_own = seq * K + (own_tok * HS)[:, None] * K + kk[None, :]
    a_base = (n * NC + c) * C * C
    g_own = (n * Tp + own_tok)[:, None] * K + kk[None, :]
    m_gate = k_ok[None, :]  # the gate sums' rows all exist (to Tp)
    if FWD:
        acc = tl.zeros([SB, BK], dtype=tl.float32)
        Gex_own = tl.load(Gex_ptr + g_own, mask=m_gate, other=0.0)
        if I > 0:
            G_r = tl.load(G_ptr + (n * Tp + c * C + I * SB - 1) * K + kk, mask=k_ok, other=0.0)
            for J in range(0, I):
                src = J * SB + sb
                stok = c * C + src
                m_src = (stok < T)[:, None] & k_ok[None, :]
                dec = tl.exp(G_r[None, :] - tl.load(G_ptr + (n * Tp + stok)[:, None] * K + kk[None, :], mask=m_gate,
                                                    other=0.0))
                at_src = seq * K + (stok * HS)[:, None] * K + kk[None, :]
                a_ij = tl.load(A_ptr + a_base + own[:, None] * C + src[None, :])
                w = tl.load(b_ptr + at_src, mask=m_src, other=0.0).to(tl.float32) * dec
                acc = _dot_acc(acc, a_ij, w, PREC)
                if TWO:
                    a_ij = tl.load(A2_ptr + a_base + own[:, None] * C + src[None, :])
                    w = tl.load(k_ptr + at_src, mask=m_src, other=0.0).to(tl.float32) * dec
                    acc = _dot_acc(acc, a_ij, w, PREC)
            acc = acc * tl.exp(Gex_own - G_r[None, :])
        for j in range(SB):
            s = I * SB + j
            stok = c * C + s
            s_ok = stok < T
            G_s = tl.load(G_ptr + (n * Tp + stok) * K + kk, mask=k_ok, other=0.0)
            dec = tl.exp(tl.where((sb > j)[:, None] & m_own, Gex_own - G_s[None, :], float("-inf")))
            at_s = seq * K + stok * HS * K + kk
            col = tl.load(A_ptr + a_base + own * C + s)
            acc += (col[:, None] * tl.load(b_ptr + at_s, mask=k_ok & s_ok, other=0.0).to(tl.float32)[None, :]) * dec
            if TWO:
                col = tl.load(A2_ptr + a_base + own * C + s)
                acc += (col[:, None] * tl.load(k_ptr + at_s, mask=k_ok & s_ok, other=0.0).to(tl.float32)[None, :]
                        ) * dec
        tl.store(da_ptr + at_own, (tl.load(da_ptr + at_own, mask=m_own, other=0.0).to(tl.float32) + acc)
                 .to(da_ptr.dtype.element_ty), mask=m_own)
    if BWD:
        acc = tl.zeros([SB, BK], dtype=tl.float32)
        acc2 = tl.zeros([SB, BK], dtype=tl.float32)
        G_own = tl.load(G_ptr + g_own, mask=m_gate, other=0.0)
        G_r = tl.load(G_ptr + (n * Tp + c * C + I * SB + SB - 1) * K + kk, mask=k_ok, other=0.0)
        for Ib in range(I + 1, NSB):
            row = Ib * SB + sb
            rtok = c * C + row
            m_row = (rtok < T)[:, None] & k_ok[None, :]
            w = (tl.load(a_ptr + seq * K + (rtok * HS)[:, None] * K + kk[None, :], mask=m_row, other=0.0)
                 .to(tl.float32) * tl.exp(tl.load(Gex_ptr + (n * Tp + rtok)[:, None] * K + kk[None, :], mask=m_gate,
                                                  other=0.0) - G_r[None, :]))
            a_ij = tl.load(A_ptr + a_base + row[:, None] * C + own[None, :])
            acc = _dot_acc(acc, tl.trans(a_ij), w, PREC)
            if TWO:
                a_ij = tl.load(A2_ptr + a_base + row[:, None] * C + own[None, :])
                acc2 = _dot_acc(acc2, tl.trans(a_ij), w, PREC)
        dec = tl.exp(G_r[None, :] - G_own)
        acc = acc * dec
        acc2 = acc2 * dec
        for i in range(SB):
            t = I * SB + i
            ttok = c * C + t
            t_ok = ttok < T
            Gex_t = tl.load(Gex_ptr + (n * Tp + ttok) * K + kk, mask=k_ok, other=0.0)
            dec = tl.exp(tl.where((sb < i)[:, None] & m_own, Gex_t[None, :] - G_own, float("-inf")))
            w_t = tl.load(a_ptr + seq * K + ttok * HS * K + kk, mask=k_ok & t_ok, other=0.0).to(tl.float32)
            acc += (tl.load(A_ptr + a_base + t * C + own)[:, None] * w_t[None, :]) * dec
            if TWO:
                acc2 += (tl.load(A2_ptr + a_base + t * C + own)[:, None] * w_t[None, :]) * dec
        tl.store(db_ptr + at_own, (tl.load(db_ptr + at_own, mask=m_own, other=0.0).to(tl.float32) + acc)
                 .to(db_ptr.dtype.element_ty), mask=m_own)
        if TWO:
            tl.store(dk_ptr + at_own, (tl.load(dk_ptr + at_own, mask=m_own, other=0.0).to(tl.float32) + acc2)
                     .to(dk_ptr.dtype.element_ty), mask=m_own)


@_launched
@triton.jit
def _chunk_wy_backward_kernel(a_ptr, b_ptr, k_ptr, du_ptr, dw_ptr, dvv_ptr, G_ptr, Gex_ptr, tinv_ptr, da_ptr, db_ptr,
                              dk_ptr, dv_ptr, dbo_ptr, dko_ptr, dvo_ptr, bnd_ptr, gsrc_ptr, gfac_ptr, fold_ptr, m_ptr,
                              nin_ptr, dm_ptr, dn_ptr, T, Tp, NC, HS, K: tl.constexpr, V: tl.constexpr, C: tl.constexpr,
                              R: tl.constexpr, P: tl.constexpr, PD: tl.constexpr, BL: tl.constexpr,
                              BLP: tl.constexpr, BKB: tl.constexpr, BV: tl.constexpr, GK: tl.constexpr,
                              PREC: tl.constexpr, SOLVE: tl.constexpr, LOG2: tl.constexpr, BND: tl.constexpr,
                              LOAD_T: tl.constexpr = False, GAUGE: tl.constexpr = False,
                              GAUGE_OWN: tl.constexpr = False, DU_FOLD: tl.constexpr = 0):
    """The chunk-level adjoint's WY backward of one chunk (engine.chunk_adjoint's equations; fla's
    prepare_wy_repr_bwd), scalar or no key gate, from _chunk_dw_kernel's dW = du S_c^T and du V^T: with M, N and
    T = (I - M)^-1 made again from a, b, k (key blocks of BKB), dT = dW (e^{G-} a)^T + du (N V)^T,
    dM = T^T dT T^T, dN = T^T du V^T; stores da = e^{G-} (T^T dW) + (dM o decays) b + (dN o decays) k and adds
    (dM o decays)^T a to db, (dN o decays)^T a to dk and (T N)^T du to dv (the reads' results, fp32, the sources'
    token layout). Every tile is at most [L, BKB]. BND: also the chunk's boundary term of the key gate's gradient,
    the sum over its first token's factors of a . (T^T dW), into bnd [N, NC]. PD: max(P, 1). LOAD_T: T given (the
    forward's WY kernel's, tinv [N, NC, L, L]) instead of solved again. The sums go to dbo, dko, dvo (db, dk, dv
    themselves, or tensors of the gradients' dtype) and da in its own. GAUGE (R = P = 1): the key gate's gauge
    terms per token from the fp32 sums, -(b . db) - (k . dk) into gsrc and a . da into gfac ([N, Tp]; the caller
    shifts the latter by one token). DU_FOLD (_chunk_dw_kernel's; s from fold_ptr): du = -s dv made from the dv
    tile loaded for dv's WY term (dv given as the pass's direct part). GK 2 (a per-dimension key gate, one factor):
    M (without LOAD_T) and N given decayed (m_ptr, nin_ptr: pair scores, _sub_scores), the products through the decays
    left to _gated_pairs_kernel: dM and dN (masked, undecayed) stored to dm, dn [N, NC, L, L | LP], da's direct part
    e^{G-} (T^T dW) to da, and bnd per key dimension [N, NC, K]."""
    tl.static_assert(not GAUGE or (R == 1 and P <= 1), "per-token gauge terms: one factor and one input")
    tl.static_assert(GK < 2 or (R == 1 and not GAUGE), "a per-dimension gate: one factor")
    SGK: tl.constexpr = GK if GK < 2 else 0  # the pair decays the kernel applies (a vector gate's: given or after)
    tl.static_assert(DU_FOLD == 0 or (R == 1 and P == 1), "du from dv's direct part: the fold's one pair")
    c = tl.program_id(0)
    n = tl.program_id(1).to(tl.int64)
    L: tl.constexpr = C * R
    LP: tl.constexpr = C * P
    rows, t_row, tok, row_ok = _chunk_rows(c, T, C, R, BL)
    prow, t_p, ptok, p_ok = _chunk_rows(c, T, C, PD, BLP)
    p_ok = p_ok & (prow < LP)
    seq = _seq_row(n, T, HS)
    cbase = n * NC + c
    roff = (tok * HS * R + rows % R)[:, None]
    poff = (ptok * HS * P + prow % PD)[:, None]
    M = tl.zeros([BL, BL], dtype=tl.float32)
    Nin = tl.zeros([BL, BLP], dtype=tl.float32)
    for k0 in range(0, K, BKB):
        kk = k0 + tl.arange(0, BKB)
        k_ok = kk < K
        a = tl.load(a_ptr + seq * R * K + roff * K + kk[None, :], mask=row_ok[:, None] & k_ok[None, :], other=0.0)
        if not LOAD_T and GK < 2:
            b = tl.load(b_ptr + seq * R * K + roff * K + kk[None, :], mask=row_ok[:, None] & k_ok[None, :], other=0.0)
            M = _dot_acc(M, a, tl.trans(b), PREC)
        if P > 0 and GK < 2:
            kp = tl.load(k_ptr + seq * P * K + poff * K + kk[None, :], mask=p_ok[:, None] & k_ok[None, :], other=0.0)
            Nin = _dot_acc(Nin, a, tl.trans(kp), PREC)
    # the pair decays are made again where used and each [L, L] tile dropped as soon as it can be (registers)
    if LOAD_T:
        Tm = tl.load(tinv_ptr + cbase * L * L + rows[:, None] * L + rows[None, :],
                     mask=(rows < L)[:, None] & (rows < L)[None, :], other=0.0)
    else:
        if GK == 2:  # (only the strictly lower part is written: the rest masked, not multiplied by 0)
            M = tl.where((t_row[:, None] > t_row[None, :]) & row_ok[:, None] & row_ok[None, :],
                         tl.load(m_ptr + cbase * L * L + rows[:, None] * L + rows[None, :],
                                 mask=(rows < L)[:, None] & (rows < L)[None, :], other=0.0), 0.0)
        M = M * _strict_decays(G_ptr, Gex_ptr, n, t_row, tok, row_ok, t_row, tok, row_ok, Tp, SGK)
        Tm = _unit_lower_inverse_by(M, rows, L, LOG2, PREC, SOLVE)
    TmT = tl.trans(Tm)
    dT = tl.zeros([BL, BL], dtype=tl.float32)
    dN = tl.zeros([BL, BLP], dtype=tl.float32)
    if P > 0:
        if GK == 2:
            Nin = tl.where((t_row[:, None] > t_p[None, :]) & row_ok[:, None] & p_ok[None, :],
                           tl.load(nin_ptr + cbase * L * LP + rows[:, None] * LP + prow[None, :],
                                   mask=(rows < L)[:, None] & (prow < LP)[None, :], other=0.0), 0.0)
        Nin = Nin * _strict_decays(G_ptr, Gex_ptr, n, t_row, tok, row_ok, t_p, ptok, p_ok, Tp, SGK)
        DV = tl.load(dvv_ptr + cbase * L * LP + rows[:, None] * LP + prow[None, :],
                     mask=(rows < L)[:, None] & (prow < LP)[None, :], other=0.0)
        dT = _dot(DV, tl.trans(Nin), PREC)
        TN = _dot(Tm, Nin, PREC)
        dN = _dot(TmT, DV, PREC) * _strict_decays(G_ptr, Gex_ptr, n, t_row, tok, row_ok, t_p, ptok, p_ok, Tp, SGK)
        if GK == 2:
            tl.store(dn_ptr + cbase * L * LP + rows[:, None] * LP + prow[None, :], dN,
                     mask=(rows < L)[:, None] & (prow < LP)[None, :])
        if DU_FOLD > 0:
            neg_s = -_fold_scale(fold_ptr, c, n, T, HS, C, BL, DU_FOLD)
        for v0 in range(0, V, BV):  # dv's WY term (T N)^T du
            vv = v0 + tl.arange(0, BV)
            v_ok = vv < V
            mv = p_ok[:, None] & v_ok[None, :]
            dv_t = tl.load(dv_ptr + seq * P * V + poff * V + vv[None, :], mask=mv, other=0.0)
            if DU_FOLD > 0:
                du = dv_t.to(tl.float32) * neg_s[:, None]
            else:
                du = tl.load(du_ptr + cbase * L * V + rows[:, None] * V + vv[None, :],
                             mask=(rows < L)[:, None] & v_ok[None, :], other=0.0)
            tl.store(dvo_ptr + seq * P * V + poff * V + vv[None, :],
                     (dv_t + _dot(tl.trans(TN), du, PREC)).to(dvo_ptr.dtype.element_ty), mask=mv)
    row_decay = tl.exp(tl.load(Gex_ptr + n * Tp + tok, mask=row_ok, other=0.0)) if GK == 1 else 1.0
    for k0 in range(0, K, BKB):
        kk = k0 + tl.arange(0, BKB)
        k_ok = kk < K
        a = tl.load(a_ptr + seq * R * K + roff * K + kk[None, :], mask=row_ok[:, None] & k_ok[None, :], other=0.0)
        dW = tl.load(dw_ptr + cbase * L * K + rows[:, None] * K + kk[None, :],
                     mask=(rows < L)[:, None] & k_ok[None, :], other=0.0)
        if GK == 1:
            a_dec = a.to(tl.float32) * row_decay[:, None]
        elif GK == 2:
            a_dec = a.to(tl.float32) * tl.exp(tl.load(Gex_ptr + (n * Tp + tok)[:, None] * K + kk[None, :],
                                                      mask=row_ok[:, None] & k_ok[None, :], other=0.0))
        else:
            a_dec = a
        dT = _dot_acc(dT, dW, tl.trans(a_dec), PREC)
    dM = _dot(_dot(TmT, dT, PREC), TmT, PREC) * _strict_decays(G_ptr, Gex_ptr, n, t_row, tok, row_ok, t_row, tok,
                                                               row_ok, Tp, SGK)
    if GK == 2:
        tl.store(dm_ptr + cbase * L * L + rows[:, None] * L + rows[None, :], dM,
                 mask=(rows < L)[:, None] & (rows < L)[None, :])
    bnd = 0.0
    g_src = tl.zeros([BL], dtype=tl.float32)
    g_fac = tl.zeros([BL], dtype=tl.float32)
    for k0 in range(0, K, BKB):
        kk = k0 + tl.arange(0, BKB)
        k_ok = kk < K
        m2 = row_ok[:, None] & k_ok[None, :]
        at = seq * R * K + roff * K + kk[None, :]
        a = tl.load(a_ptr + at, mask=m2, other=0.0)
        dW = tl.load(dw_ptr + cbase * L * K + rows[:, None] * K + kk[None, :],
                     mask=(rows < L)[:, None] & k_ok[None, :], other=0.0)
        da = _dot(TmT, dW, PREC)
        if BND and GK == 2:
            tl.store(bnd_ptr + cbase * K + kk, tl.sum(tl.where((rows < R)[:, None] & m2, a.to(tl.float32) * da, 0.0),
                                                      0), mask=k_ok)
        elif BND:
            bnd += tl.sum(tl.sum(tl.where((rows < R)[:, None] & m2, a.to(tl.float32) * da, 0.0), 1), 0)
        if GK == 1:
            da = da * row_decay[:, None]
        elif GK == 2:
            da = da * tl.exp(tl.load(Gex_ptr + (n * Tp + tok)[:, None] * K + kk[None, :], mask=m2, other=0.0))
        if GK < 2:
            da, g_src = _wy_source_grads(b_ptr, db_ptr, dbo_ptr, at, m2, dM, a, da, g_src, PREC, GAUGE, GAUGE_OWN)
        if P > 0 and GK < 2:
            da, g_src = _wy_source_grads(k_ptr, dk_ptr, dko_ptr, seq * P * K + poff * K + kk[None, :],
                                         p_ok[:, None] & k_ok[None, :], dN, a, da, g_src, PREC, GAUGE, GAUGE_OWN)
        if GAUGE:
            g_fac += tl.sum(a.to(tl.float32) * da, 1)
        tl.store(da_ptr + at, da.to(da_ptr.dtype.element_ty), mask=m2)
    if BND and GK < 2:
        tl.store(bnd_ptr + cbase, bnd)
    if GAUGE:
        tl.store(gsrc_ptr + n * Tp + tok, g_src, mask=row_ok)
        tl.store(gfac_ptr + n * Tp + tok, g_fac, mask=row_ok)


def _wy_keep_rows():
    """Whether a forward under autograd keeps the WY system's rows W and U0 for its backward (LINDSL_TUNE_WY_KEEP,
    on by default). Off, the chunk-level adjoint keeps (I - M)^-1 alone, in fp32, and its rescan makes W and U0
    again from it (_prep_kblock_kernel's LOAD_T, bit-identical: 192 MB less held by a Gated DeltaNet layer at
    2x16384x16x128, and forward+backward +5.7 % at 1x8192x96x128 on the H200, session 46), and the token-level
    backward's rescan solves the system again (KDA's, RWKV-7's held bytes -256 MB there; not timed)."""
    return bool(_knob("WY_KEEP", 1))


def _wy_backward_prec(precision, K):
    """The precision of the chunk-level adjoint's WY-backward products for the adjoint's precision: bf16 for
    low-precision inputs (not ACCURATE) at K >= 64 (session 40, call 5, 2x16384x16x128, checks green at gate x10,
    against tf32: DeltaNet forward+backward 7.920 -> 7.425 ms, Gated DeltaNet 12.896 -> 12.352), tf32 below: there
    the pair products and (I - M)^-1 grow (normalised keys of 16 dimensions), and bf16 put Gated DeltaNet's dk at
    4.4e-2, dv 8.4e-2, dg 1.2e-1 of fp64 on the H200 (1x70x2, K = V = 16, gate x3; 3.2e-3, 2.9e-3, 4.5e-3 in tf32;
    session 43, call 4). Those errors were likely not bf16's rounding: at K = V = 16 the kernel's bf16 products read
    outside their shared memory (compute-sanitizer on an H100, Triton 3.6, session 69: an invalid __shared__ read
    in _dot's bf16 tl.dot; an illegal address where the read leaves the allocation, wrong values where it does
    not), so forcing bf16 there through the knob is unsafe. ACCURATE stays ACCURATE. LINDSL_TUNE_WYB_PREC overrides
    where the callers read it."""
    if precision == ACCURATE:
        return precision
    return "bf16" if K >= 64 else "tf32"


def _tinv_dtype(precision, K):
    """The dtype the forward's WY kernel stores (I - M)^-1 in for the chunk-level adjoint (chunk_scan_triton's
    wy_inverse), precision the forward's: bf16 where the WY backward's products are bf16 (_low_intermediates), which
    round it to bf16 anyway: the same gradients, half of the [N, NC, L, L] tensor a layer holds from its forward to
    its backward (134 MB in fp32 at 2x16384x16x128), half its bytes written and read."""
    low = _low_intermediates(_knob("WYB_PREC", _wy_backward_prec(precision, K)))
    return torch.bfloat16 if low else torch.float32


def _low_intermediates(precision):
    """Whether the chunk-level adjoint stores its intermediates that only products take (the pass's du, the WY
    backward's dW and du V^T) in bf16: where those products are bf16 (precision, before _for_interpreter), which round
    their operands to bf16 anyway, so the results are the same and their bytes half (du, dW [N, NC, C R, K | V]: 268
    MB each in fp32 at 2x16384x16x128). LINDSL_TUNE_CA_LOW_MID=0 keeps fp32."""
    return precision == "bf16" and bool(_knob("CA_LOW_MID", 1))


def chunk_wy_backward_triton(a, b, k, v, G, Gex, h, du, db, dk, dv, C, heads=1, precision=ACCURATE, bnd=False,
                             tinv=None, out_dtype=None, gauge=False, gauge_own=False, du_fold=None, precision_pairs=None):
    """The chunk-level adjoint's WY backward (_chunk_dw_kernel, then _chunk_wy_backward_kernel): a, b [.., R, K],
    k, v [.., P, K | V] in the token layout (heads), G, Gex the key gate's sums within chunks [N, Tp] or [N, Tp, K]
    (a per-dimension gate: one factor, fp32 gradients; the decayed pair products M (where tinv is None) and N made
    again by _sub_scores, and the products of dM and dN through the decays by _gated_pairs_kernel, in
    precision_pairs; bnd then [N, NC, K]) (or None), h the
    forward's chunk-start states and du the pass's [N, NC, L, V]; db, dk, dv in the sources' layout (fp32, or
    out_dtype), added to; tinv: the forward's (I - M)^-1 [N, NC, L, L] (chunk_scan_triton's wy_inverse), else solved
    again. Returns (da, db, dk, dv) (fp32, db, dk, dv themselves; with out_dtype new tensors of that dtype, or the given
    ones where they are contiguous in it, written in place) and, with bnd, the boundary terms [N, NC], with gauge (one
    factor and at most one input) the key gate's gauge terms too: ((da, db, dk, dv), bnd, (-(b . db) - (k . dk), a . da)
    per token [N, Tp]); gauge_own: -(b . db) - (k . dk) of this kernel's parts alone (the given db, dk summed by the
    read that made them). du may be bf16 where the products are (_low_intermediates). du_fold (du None; the delta
    rule's fold, one factor and one input: True for s = 1, or s [N, T] / [B, T, heads]): du = -s dv made by the
    kernels from dv, the pass's direct part (its store_du False). LINDSL_TUNE_WYB_BK: the key block (64);
    LINDSL_TUNE_WYB_WARPS (4); LINDSL_TUNE_WYB_PREC: the products' precision (the caller's); PAIRS_ONE (both
    directions in one launch), PAIRS_BK (64) and PAIRS_WARPS (2, 4 with PAIRS_ONE): the per-dimension gate's
    products' launches, key block and warps."""
    HS = int(heads)
    lead = _lead_dims(HS)
    N, T = a.shape[0] * HS, a.shape[1]
    R, K = a.shape[lead], a.shape[-1]
    P = k.shape[lead] if k is not None else 0
    DU_FOLD = 0 if du_fold is None or du_fold is False else (1 if du_fold is True else 2)
    if DU_FOLD and (du is not None or dv is None or (R, P) != (1, 1)):
        raise ValueError("du made from dv (du_fold) takes du None, dv given and one factor and one input")
    V = (dv if DU_FOLD else du).shape[-1]
    NC = h.shape[1]
    Tp = NC * C
    dev = a.device
    dummy = _dummy(dev)
    f32 = torch.float32
    GK = 0 if G is None else (1 if G.dim() == 2 else 2)
    if GK == 2 and (R != 1 or out_dtype is not None or gauge or C % 16):
        raise ValueError("the WY backward of a per-dimension gate takes one factor, chunks of 16s and fp32 gradients")
    BL, BLP = _p2(C * R), _p2(C * max(P, 1))
    BKB = min(_p2(K), _knob("WYB_BK", 64))
    BV = min(_p2(V), 64)
    prec = _for_interpreter(_knob("WYB_PREC", precision))
    # dW and du V^T in bf16 where every product that takes them rounds them to bf16 (the same products)
    mid = torch.bfloat16 if _low_intermediates(_knob("WYB_PREC", precision)) else f32
    dw = _empty(N, NC, C * R, K, device=dev, dtype=mid)
    dvv = _empty(N, NC, C * R, C * P, device=dev, dtype=mid) if P else dummy
    warps = _knob("WYB_WARPS", 4)
    grid, vadj = _grid_blocks(NC, N, _cdiv(K, BKB), 32)
    fold_s = _data(du_fold, dummy) if DU_FOLD == 2 else dummy
    du = dummy if DU_FOLD else du.contiguous()
    _chunk_dw_kernel[grid](
        du, h.contiguous(), _data(v, dummy), dw, dvv, _data(dv, dummy) if DU_FOLD else dummy, fold_s, T, NC, HS, K=K,
        V=V, C=C, R=R, P=P, PD=max(P, 1), BL=BL, BLP=BLP, BKB=BKB, BV=BV, PREC=prec, VADJ=vadj, DU_FOLD=DU_FOLD,
        num_stages=2, num_warps=_mma_warps(warps, min(BL, BLP, BKB)))
    odt = out_dtype or f32
    da = _empty(*a.shape, device=dev, dtype=odt)
    # a gradient given in out_dtype is written in place (each program loads its tile before it stores it there: dv's
    # direct part in bf16, CA_DVD_BF16, and the read's db and dk parts, CA_DBK_BF16; 128 MB each at the peak)
    outs = [x if x is None or out_dtype is None or (x.dtype == odt and x.is_contiguous())
            else _empty(*x.shape, device=dev, dtype=odt) for x in (db, dk, dv)]
    out_bnd = _empty(*((N, NC, K) if GK == 2 else (N, NC)), device=dev, dtype=f32) if bnd else dummy
    gsrc, gfac = (_empty(N, Tp, device=dev, dtype=f32) for _ in range(2)) if gauge else (dummy, dummy)
    solve = _wy_solve(prec, BL, GK)
    Mg = Ng = dM = dN = dummy
    if GK == 2:
        # the decayed pair products as the forward's WY kernel takes them (_sub_scores: a against b and k, reads
        # before the update with the exclusive gates)
        pp = _for_interpreter(precision_pairs or precision)
        two = tinv is None and P > 0
        if tinv is None or P > 0:
            made = _sub_scores(_data(a, dummy), _data(b if tinv is None else k, dummy), _data(k, dummy), Gex, G, N, T,
                               Tp, C, HS, T, K, 2, True, pp, two, False)
            Mg, Ng = (made[0], made[1] if P else dummy) if tinv is None else (dummy, made[0])
        dM = _empty(N, NC, C, C, device=dev, dtype=f32)
        dN = _empty(N, NC, C, C, device=dev, dtype=f32) if P else dummy
    _chunk_wy_backward_kernel[(NC, N)](
        _data(a, dummy), _data(b, dummy), _data(k, dummy), du, dw, dvv,
        G if G is not None else dummy, Gex if Gex is not None else dummy, dummy if tinv is None else tinv, da,
        *(dummy if x is None else x for x in [db, dk, dv] + outs), out_bnd, gsrc, gfac, fold_s, Mg, Ng, dM, dN, T, Tp,
        NC, HS, K=K, V=V, C=C,
        R=R, P=P, PD=max(P, 1), BL=BL, BLP=BLP, BKB=BKB, BV=BV, GK=GK, PREC=prec, SOLVE=solve,
        LOG2=(BL - 1).bit_length(), BND=bnd, LOAD_T=tinv is not None, GAUGE=gauge, GAUGE_OWN=gauge_own,
        DU_FOLD=DU_FOLD, num_stages=1,
        num_warps=_mma_warps(warps, min(BL, BLP, BKB, BV)))
    if GK == 2:
        Mg = Ng = None
        # da += (dM o decays) b + (dN o decays) k; db += (dM o decays)^T a, dk += (dN o decays)^T a
        pp = _for_interpreter(precision_pairs or precision)
        BKP = min(_p2(K), _knob("PAIRS_BK", 64))
        grid = (NC * (C // 16) * _cdiv(K, BKP), N)
        # both directions in one program (LINDSL_TUNE_PAIRS_ONE=1, fla's layout: session 62, call 1, H100, KDA at
        # 4x4096x64x128 forward+backward 40.84 ms against 40.51 in two launches, RWKV-7 48.84 against call 2's 48.71;
        # ptxas sm_90 at K = 128: on two warps 255 registers and 32 B spilled, on four 168, no spill), or one launch
        # per direction (two warps: 233 and 166 registers). One program per (chunk, key block) over the row blocks,
        # the diagonal blocks as masked [16, 16, 32] products, took 28.4 ms (call 1): removed
        one = bool(_knob("PAIRS_ONE", 0))
        warps = _mma_warps(_knob("PAIRS_WARPS", 4 if one else 2), BKP)
        rows = (_data(a, dummy), _data(b, dummy), _data(k, dummy), G, Gex, da, outs[0], outs[1] if P else dummy, T,
                Tp, NC, HS)
        for fwd, bwd in ([(True, True)] if one else [(True, False), (False, True)]):
            _gated_pairs_kernel[grid](dM, dN, *rows, K=K, C=C, BK=BKP, FWD=fwd, BWD=bwd, TWO=P > 0, PREC=pp,
                                      num_warps=warps)
    if gauge:
        return (da, *outs), (out_bnd if bnd else None), (gsrc, gfac)
    return (da, *outs), (out_bnd if bnd else None)


def chunk_adjoint_triton(gk, b, a, k, v, reads, dO, dST, h, u, W, chunk, heads=1, precision=ACCURATE, ST=None,
                         gate_grad=False, fold=None, tinv=None, out_dtype=None, read_scale=None, cum=None):
    """engine.chunk_adjoint on the Triton engine (the same equations and results), for no, a scalar or (one factor,
    at most one input, one read) a per-dimension key gate, no value gate and reads after the update. The pair terms D0 and the reads over the adjoint's states are reads of an
    adjoint scan without rank-one factors (its inputs the reads' (x, dO), over reversed time, the gate of each
    chunk's first position zeroed so that the state term decays from the chunk's end: e^{G_C - G_t}) from given
    states (none for D0, the pass's hend for db, dk and, without the delta rule's fold, dv; with it the pass makes
    dv's part); the pass is _chunk_adjoint_pass_kernel, the WY system's backward _chunk_dw_kernel and
    _chunk_wy_backward_kernel, dx the forward's read of its chunk-start states h (the default backward's rescan read).
    Tensors in the token layout of heads (chunk_scan_triton's); h [N, NC, K, V] and u from the forward's rescan
    (chunk_scan_triton with return_states), W its WY rows [N, NC, L, K] (or a list holding them alone, emptied once
    the pass has taken them: the caller's reference let go, 128 MB less at the WY backward's peak at 2x16384x16x128)
    and tinv its (I - M)^-1 (or None: solved again); read_scale: the reads' constant factor c (o = S^T (c x)), the
    reads' vectors x given without it: the adjoint runs on them from dST / c, its results scaled by c as the kernels
    store them (hend, which only its reads take, stays unscaled), and dx is the gradient of the unscaled x (no scaled
    copy of x). dST None: the final state's cotangent is zero (no load, no final-state term in the gate gradient).
    cum: GateSums over forward time, the key gate's inclusive and exclusive sums within chunks of C (the caller's
    rescan took them; chunk_scan_triton's cum), or None: made here.
    Returns engine.chunk_adjoint's dict: the gradients in out_dtype (fp32 without it, or where a gate
    gradient's gauge terms are summed here from them: more than one factor or input); dgk with gate_grad (needs ST);
    hend None (freed once read)."""
    HS = int(heads)
    lead = _lead_dims(HS)
    N, T = b.shape[0] * HS, b.shape[1]
    R, K = b.shape[lead], b.shape[-1]
    P = k.shape[lead] if k is not None else 0
    V = dO[0].shape[-1]
    C = int(chunk)
    NC = _cdiv(T, C)
    Tp = NC * C
    vec = gk is not None and gk.dim() == lead + 1
    if any(timing != "after" for timing, _ in reads) or (vec and ((R, min(P, 1)) != (1, P) or len(reads) != 1)):
        raise ValueError("chunk_adjoint_triton takes reads after the update and a per-dimension key gate with one "
                         "factor, at most one input and one read")
    f32 = torch.float32
    xs = [x for _, x in reads]
    # the adjoint of unscaled reads (x, dO) from dST / c is the adjoint / c: every result the kernels store is
    # multiplied back by c (the reads' read_scales, the pass's out_scale) but hend, which only the reads take
    rs = 1.0 if read_scale is None else float(read_scale)
    src_k = xs[0].unsqueeze(lead) if len(xs) == 1 else torch.stack(xs, lead)
    src_v = dO[0].unsqueeze(lead) if len(dO) == 1 else torch.stack(dO, lead)
    # the adjoint reads take the sources (x, dO) reversed where they lie, or (LINDSL_TUNE_CA_FLIP=1) flipped copies
    # (session 32 measured ungauged reads slower reversed; not measured here yet)
    flip_src = bool(_knob("CA_FLIP", 0))
    rev_k, rev_v = (time_reversed(src_k, Tp), time_reversed(src_v, Tp)) if flip_src else (src_k, src_v)

    # a per-dimension gate's reads: the gated read-outs a whole chunk per program (session 61, call 3, H100, KDA at
    # 4x4096x64x128 through this adjoint, checks green: forward+backward 46.78 -> 43.06 ms, RWKV-7 54.81 -> 51.15;
    # in 16-row blocks one launch took 9.1 ms at occupancy 0 on the H200, call 2)
    # their gates: the key gate with each chunk's first token's zeroed (so that the state term decays from the
    # chunk's end), over reversed time: its sums made here with those tokens skipped (_cum's zero_every), no zeroed
    # copy of the gate (a clone of [B, T, H, K] and a strided fill, 0.26 ms for RWKV-7 at 4x4096x64x128 on an H100,
    # session 62, and the copy held through the pass)
    def adjoint_reads(rd, states, scaled=True, dtype=None):
        # (the scans' positions are the padded reversed time, Tp, whether the sources are reversed where they lie or
        # flipped copies)
        cum_rev = None if gk is None else GateSums(C, _cum(gk, C, Tp, HS, False, rev=Tp, zero_every=C)[0], None, Tp)
        return chunk_scan_triton(gk, None, None, None, rev_k, rev_v, None, rd, chunk=C, K=K, V=V, cum=cum_rev,
                                 precision=precision, force_chunk=True, states=states, heads=HS, reversed_reads=True,
                                 reversed_gates=True, reversed_sources=not flip_src, tile_bf16=True,
                                 gated_rows=64 if vec else 16,
                                 read_scales=[rs] * len(rd) if scaled and rs != 1.0 else None,
                                 out_dtypes=None if dtype is None else [dtype] * len(rd))[0]

    sel = lambda x, i: x.select(lead, i)  # noqa: E731
    stack = lambda ys: ys[0].unsqueeze(lead) if len(ys) == 1 else torch.stack(ys, lead)  # noqa: E731
    # with the delta rule's fold (b = -s k') the pass takes k' and its pair terms: its product is then dv's direct
    # part (the key-side read of k' over hend, which no read makes) and du = -s times it (LINDSL_TUNE_PASS_FOLD=0:
    # the read makes it)
    in_pass = fold is not None and fold is not False and (R, P) == (1, 1) and bool(_knob("PASS_FOLD", 1))
    # the pair terms D0 made by the pass from the tiles it loads, without a gate (session 42, call 2: DeltaNet's
    # chunk-level adjoint forward+backward 0.72-0.92x the read's at fla's five D <= 128 shapes;
    # LINDSL_TUNE_PASS_PAIRS=0: the read), or by a read without the state term (with a gate: the pass's pairs
    # faulted on the H200 and were slower, 8.41 / 7.96 ms for Gated DeltaNet at 2x16384x16x128, session 42, call 1)
    pairs_in_pass = gk is None and bool(_knob("PASS_PAIRS", 1))
    # the pair terms in bf16 for bf16 gradients: the read writes and the pass loads half the bytes (537 -> 268 MB
    # each at 4x4096x64x128), D0 rounded once more before the pass adds the state term, as fla's dv between its
    # kernels; du and dv's direct part are stored in bf16 after that sum anyway. Session 63 (H100, 4x4096x64x128,
    # checks green at gate x1 and x10): Gated DeltaNet forward+backward 13.561 -> 13.378 ms, peak -228 MB. Not for
    # a per-dimension gate (RWKV-7's class) until checked there; LINDSL_TUNE_CA_D0_BF16 overrides
    d0_low = out_dtype == torch.bfloat16 and bool(_knob("CA_D0_BF16", int(not vec)))
    D0 = None if pairs_in_pass else stack(adjoint_reads([("k", "after", sel(k if in_pass else b, r)) for r in range(R)],
                                                        (None, None, None), scaled=False,
                                                        dtype=torch.bfloat16 if d0_low else None))
    # the key gate's sums within chunks: the caller's (its recomputing scan's), else made here; the dx read below
    # takes them too (session 62's trace: three launches made the same sums, 0.48 ms each for RWKV-7's gate at
    # 4x4096x64x128)
    G, Gex = (cum.G, cum.Gex) if cum is not None and cum.serves(C, True) else _cum(gk, C, Tp, HS, True)
    # the adjoint's states in bf16 for low-precision inputs where no gate gradient sums over them (as the default
    # backward's adjoint keeps its chunk states: chunk_scan_triton's h_bf16)
    # (with a gate gradient too, as fla keeps its dh, Gated DeltaNet's dg went to 2.0e-2 at gate x1 and 0.33 at x10
    # under the interpreter, 2x1024x2x128, against 5.1e-3 and 6.7e-3; session 44; and with the boundary sums made by
    # the pass from its fp32 states, dg 0.155 at x10 through the merged read's db and dk alone, session 46)
    low = precision != ACCURATE and not gate_grad and _knob("HEND_BF16", 1)
    # the pass's products in bf16, as the default backward's adjoint pass (chunk_scan_triton's low_state): its
    # decayed tiles are at most 1 in size (session 41, call 2, Gated DeltaNet at 2x16384x16x128, checks green at gate
    # x10: forward+backward 9.761 -> 8.881 ms against tf32, whose pass spilled 68 B); LINDSL_TUNE_PASS_PREC overrides
    pass_prec = _knob("PASS_PREC", "bf16" if precision != ACCURATE else precision)
    wy_prec = _wy_backward_prec(precision, K)
    if tinv is not None and tinv.dtype != torch.float32 and not _low_intermediates(_knob("WYB_PREC", wy_prec)):
        tinv = None  # kept in bf16 for bf16 products (_tinv_dtype), taken by finer ones: solved again
    # the gate gradient's boundary sums made by the pass from its fp32 states (the separate _boundary_kernel read
    # hend and h again: 0.24 ms at 2x16384x16x128); LINDSL_TUNE_PASS_BOUNDARY=0 keeps that kernel
    # a per-dimension gate's (RWKV-7's) boundary row sums by the pass as well (session 68, H100, RWKV-7 at
    # 4x4096x64x128, checks green at gate x1 and x10: forward+backward 47.120 -> 47.030 ms, with 64-wide passes
    # 45.931 -> 45.848); LINDSL_TUNE_PASS_BOUNDARY_ROWS=0 keeps the separate kernel for them
    pass_bound = (gate_grad and gk is not None and NC > 1 and bool(_knob("PASS_BOUNDARY", 1))
                  and (not vec or bool(_knob("PASS_BOUNDARY_ROWS", 1))))
    # dv's direct part from the pass in bf16 for bf16 gradients (134 MB less at the WY backward's peak and 268 MB of
    # traffic at 2x16384x16x128; dv rounded twice, as fla's dv between its kernels; no gauge sum takes it);
    # LINDSL_TUNE_CA_DVD_BF16=0 keeps it fp32. Session 46, H200, Gated DeltaNet 2x16384x16x128 with PASS_SCALE_ROWS,
    # PASS_BOUNDARY and CA_H_BF16: forward+backward 7.14 -> 6.62 ms, peak 3742 -> 3358 MB, checks green at x1, x10
    dvd_low = out_dtype == torch.bfloat16 and bool(_knob("CA_DVD_BF16", 1))
    du_low = _low_intermediates(_knob("WYB_PREC", wy_prec))
    # with the fold the pass stores no du, as du = -s times dv's direct part, which it stores anyway: the WY
    # backward's kernels make du from that (268 MB less written and held at 4x4096x64x128 in bf16), where dv's part
    # is kept at least as finely as du would be. Session 63 (H100, 4x4096x64x128, checks green at gate x1 and x10):
    # forward+backward DeltaNet 9.649 -> 9.475 ms, Gated DeltaNet 13.561 -> 13.408, peaks -256 MB;
    # LINDSL_TUNE_CA_DU_FROM_DV=0: the pass stores du
    du_from_dv = in_pass and not (dvd_low and not du_low) and bool(_knob("CA_DU_FROM_DV", 1))
    W_held, W = (W, W[0]) if isinstance(W, list) else (None, W)
    hend, du, dS0, *extra = chunk_adjoint_pass_triton(k if in_pass else b, W, D0, src_k, src_v, G, None,
                                                      dST if rs == 1.0 or dST is None else dST.to(f32) / rs, C,
                                                      out_scale=rs,
                                                      heads=HS, precision=pass_prec, reversed_h=True,
                                                      h_dtype=torch.bfloat16 if low else f32,
                                                      fold=fold if in_pass else None,
                                                      du_dtype=torch.bfloat16 if du_low else f32,
                                                      store_du=not du_from_dv,
                                                      h_bound=h if pass_bound else None,
                                                      dvd_dtype=torch.bfloat16 if dvd_low else f32)
    bsums = extra.pop() if pass_bound else None  # last; before it dv's direct part with the fold
    W = None  # the pass was its last reader
    if W_held is not None:
        W_held.clear()
    D0 = None
    # the key gate's gauge terms summed per token by the kernels from their fp32 results (one factor and at most one
    # input: the WY backward's; the dx read's _read_kernel GAUGE), so that every gradient may leave in out_dtype
    # (LINDSL_TUNE_CA_GAUGE=0: summed here from fp32 gradients)
    need_dgk = gate_grad and gk is not None
    in_kernels = need_dgk and R == 1 and P <= 1 and not vec and bool(_knob("CA_GAUGE", 1))
    # a per-dimension gate's WY backward adds its gated products to fp32 gradients (chunk_wy_backward_triton)
    odt = None if (need_dgk and not in_kernels) or out_dtype is None or vec else out_dtype
    # the merged read's parts of db, dk (and dv) stored in odt for the WY backward to add to, as dv's direct part
    # (default since session 47, LINDSL_TUNE_CA_DBK_BF16=0 keeps them fp32; H200 2x16384x16x128 forward+backward:
    # DeltaNet 5.05 -> 4.88 ms, peak -512 MB, Gated DeltaNet 6.62 -> 6.68, peak -194 MB; each part rounded twice,
    # checks at gate x1 and x10 within their bounds). The gate's gauge terms of those parts are then
    # summed by the read from its fp32 results (GAUGE) and the WY backward's of its own parts (GAUGE_OWN): with the
    # rounded parts in the WY backward's sums Gated DeltaNet's dg went 4.7e-3 -> 5.6e-2 of fp64 at gate x10
    low_parts = odt is not None and odt != f32 and (not need_dgk or in_kernels) and bool(_knob("CA_DBK_BF16", 1))
    part_gauges = [torch.empty(x.shape[:-1], device=x.device, dtype=f32) if low_parts and in_kernels else None
                   for x in [sel(b, r) for r in range(R)] + [sel(k, p) for p in range(P)]]

    def part(x, vec, g):
        return ("v", "after", x) + (((vec, -1, g),) if g is not None else ())
    outs = adjoint_reads([part(sel(u, r), sel(b, r), part_gauges[r]) for r in range(R)]
                         + [part(sel(v, p), sel(k, p), part_gauges[R + p]) for p in range(P)]
                         + ([] if in_pass else [("k", "after", sel(k, p)) for p in range(P)]), (hend, None, None),
                         dtype=odt if low_parts else None)
    db = stack(outs[:R])
    dk = stack(outs[R:R + P]) if P else None
    dv = extra[0] if in_pass else stack(outs[R + P:]) if P else None
    outs = None
    if gate_grad and gk is not None and NC > 1 and not pass_bound:
        bsums = chunk_boundary_sums_triton(hend, h)[0] * rs  # [N, NC - 1, K]: a scalar gate's summed over K
        bsums = bsums if vec else bsums.sum(-1)
    # hend's last reader is done: freed before the WY backward's outputs are made (session 45: Gated DeltaNet's
    # peak at 2x16384x16x128 was there, with hend's 537 MB alive; benchmarks/mem_cpu.py)
    hend = None
    (da, db, dk, dv), bnd, *gauges = chunk_wy_backward_triton(
        a, b, k, v, G, Gex, h, du, db, dk, dv, C, HS, wy_prec, bnd=gate_grad and NC > 1, tinv=tinv, out_dtype=odt,
        gauge=in_kernels, gauge_own=low_parts and in_kernels, du_fold=fold if du_from_dv else None,
        precision_pairs=_knob("CA_PAIRS_PREC", "tf32" if precision != ACCURATE else precision))
    du = None
    gx = [torch.empty(x.shape[:-1], device=x.device, dtype=f32) if in_kernels else None for x in xs]
    dx = chunk_scan_triton(gk, None, b, a, k, v, None,
                           [("v", "after", d) + (((x, 1, g),) if in_kernels else ()) for d, x, g in zip(dO, xs, gx)],
                           chunk=C, K=K, V=V, precision=precision, force_chunk=True, fold=fold, states=(h, u, ST),
                           heads=HS, out_dtypes=None if odt is None else [odt] * len(dO),
                           read_scales=None if read_scale is None else [rs] * len(dO),
                           cum=None if G is None else GateSums(C, G, Gex))[0]
    out = dict(dx=dx, db=db, da=da, dk=dk, dv=dv, dS0=dS0, hend=None, dgk=None)
    if need_dgk:
        # the gauge terms summed within each chunk, plus the next chunk's first token's exact derivative
        # (engine.chunk_adjoint's): <hend_(c-1), S_c> - sum a . (T^T dW) over that token's factors
        to_rows = lambda x: x.transpose(1, 2).reshape(N, -1) if HS > 1 else x  # noqa: E731
        if vec:
            # a per-dimension gate's: its four gauge terms (one factor, one input, one read), the final state's and the
            # boundaries' sums over V alone, summed within chunks in one launch (gauge_gate_grad_triton), the
            # gradients cast to out_dtype by the same pass
            fin = None if dST is None else (dST.to(f32) * ST.to(f32)).sum(-1)
            terms = [(-1, sel(b, 0), sel(db, 0), False, out_dtype), (1, sel(a, 0), sel(da, 0), True, out_dtype),
                     (1, xs[0], dx[0], False, out_dtype)] + ([(-1, sel(k, 0), sel(dk, 0), False, out_dtype)] if P else [])
            dgk, cast = gauge_gate_grad_triton(terms, None, fin, bsums - bnd[:, 1:] if NC > 1 else None, None, C,
                                               heads=HS, out_dtype=f32)
            out.update(dgk=dgk, db=cast[0].unsqueeze(lead), da=cast[1].unsqueeze(lead), dx=[cast[2]])
            if P:
                out["dk"] = cast[3].unsqueeze(lead)
            return out
        if in_kernels:
            g_src, g_fac = gauges[0]
            dG = g_src.clone()
            dG[:, :T - 1].add_(g_fac[:, 1:T])  # (in place on the view: no copy back as += on an index makes)
            for g in part_gauges:  # the read's parts' gauge terms (low_parts)
                if g is not None:
                    dG[:, :T].add_(to_rows(g))
            for g in gx:  # x . dx of the unscaled x and its gradient: the scaled read's x . dx
                dG[:, :T].add_(to_rows(g))
        else:
            red = tuple(range(lead, b.dim()))
            g = -(b.to(f32) * db).sum(red) - ((k.to(f32) * dk).sum(red) if P else 0)
            g[:, :-1].add_((a.to(f32) * da).sum(red)[:, 1:])
            for x, d in zip(xs, dx):
                g += (x.to(f32) * d).sum(-1)
            dG = to_rows(g)
        # summed within each chunk from its end, the final state's term at the last token and the chunk edges (no
        # gate weight: the boundary sums come weighed) in one launch (gate_grad_triton), not four eager operations
        fin = None if dST is None else (dST.to(f32) * ST.to(f32)).sum((-2, -1))[:, None]
        edge = (bsums - bnd[:, 1:])[..., None] if NC > 1 else None
        dgk = gate_grad_triton(dG[:, :T, None], fin, edge, None, C, out_dtype=f32)[..., 0]
        out["dgk"] = dgk.reshape(-1, HS, T).transpose(1, 2) if HS > 1 else dgk
    return out


def recurrent_scan_triton(gk, gv, b, a, k, v, S0, reads, K=None, V=None, out_state=None):
    """Triton version of engine.recurrent_scan (reads of side k only: the forward's). out_state (fp32, contiguous,
    [N, K, V]) receives the final state, and may be S0 itself: each program loads its block of the state before the
    token loop and stores it after, and no two programs share a block."""
    ref = k if k is not None else b
    dev = ref.device
    N, T = ref.shape[:2]
    K = K or ref.shape[-1]
    V = V or v.shape[-1]
    R = b.shape[2] if b is not None else 0
    P = k.shape[2] if k is not None else 0
    f32 = torch.float32
    dummy = _dummy(dev)
    c32 = lambda x: dummy if x is None else x.to(f32).contiguous()  # noqa: E731
    assert all(side == "k" for side, _, _ in reads)
    mask = sum(1 << i for i, (_, timing, _) in enumerate(reads) if timing == "before")
    xs = _stack_reads(reads) if reads else dummy
    out = _empty(len(reads), N, T, V, device=dev, dtype=xs.dtype)
    if out_state is not None and (out_state.dtype != f32 or not out_state.is_contiguous()
                                  or tuple(out_state.shape) != (N, K, V)):
        raise ValueError("out_state must be a contiguous fp32 [N, K, V] tensor")
    ST = out_state if out_state is not None else _empty(N, K, V, device=dev, dtype=f32)
    BV = _knob("DECODE_BV", min(_p2(V), 64))
    _recurrent_kernel[(N, _cdiv(V, BV))](
        c32(gk), c32(gv), _data(b, dummy), _data(a, dummy), _data(k, dummy), _data(v, dummy), c32(S0), ST, xs, out, T, NREAD=len(reads), K=K, V=V, R=R, P=P,
        BK=_p2(K), BV=BV, GK=0 if gk is None else (1 if gk.dim() == 2 else 2), GV=gv is not None,
        HAS_S0=S0 is not None, BEFORE_MASK=mask, num_warps=_knob("DECODE_WARPS", 4))
    return [out[i] for i in range(len(reads))], ST, None


def _wy_solve(prec, BL, GK):
    """How a WY kernel forms (I - M)^-1 (_unit_lower_inverse_by): doubling products in tf32; by forward substitution
    in the accurate mode (and for bf16 products), where doubling in tf32x3 measured slower (NOTES.md, v6); without a
    per-dimension key gate and with at least four 16-row blocks, through the diagonal blocks (session 23: four
    chunk-sized products instead of ten)."""
    return "substitution" if prec != "tf32" else "blocked" if GK != 2 and BL >= 64 else "doubling"


def _lead_dims(heads):
    """How many dimensions come before a token's own in a per-token tensor: [N, T] (heads = 1, the engine's rows)
    or [B, T, heads] (the token layout)."""
    return 2 if heads == 1 else 3


class GateSums(NamedTuple):
    """A key gate's sums within chunks as _cum makes them, handed from the scan or kernel that made them to the scans
    that take them (one launch of _chunk_cumsum_kernel each fewer): G inclusive and Gex exclusive (None where not
    made), [N, Tp(, K)] fp32, over forward time (reversed_at None) or over reversed time at the scan length
    reversed_at (_cum's rev)."""
    chunk: int
    G: torch.Tensor
    Gex: Optional[torch.Tensor] = None
    reversed_at: Optional[int] = None

    def serves(self, chunk, exclusive, reversed_at=None):
        """Whether these are the sums a scan in chunks of `chunk` over that time takes (exclusive: it needs Gex)."""
        return self.chunk == chunk and self.reversed_at == reversed_at and (self.Gex is not None or not exclusive)


def _cum(g, C, Tp, HS=1, exclusive=True, rev=None, zero_every=None):
    """Within-chunk cumulative sums (inclusive and exclusive) of a log-gate, padded to Tp, fp32, in one kernel
    (_chunk_cumsum_kernel: g read once, G and G - g written once; session 10: GLA, RWKV-6, KDA, RWKV-7 forward
    6-9 %, forward+backward 2.5-4 % faster than LINDSL_TUNE_CUM=torch). A scalar gate [N, T] goes through it as
    [N, T, 1]: one launch instead of five PyTorch operations, whose CUDA cumsum alone costs the host about 0.1 ms
    (session 11, benchmarks/host_overhead.py). CUM=torch: a cast, a pad, a cumsum and a difference in PyTorch.
    HS > 1: g is [B, T, HS(, D)] (chunk_scan_triton's heads); G and Gex are [N, Tp(, D)] either way. exclusive
    False: Gex is None (not written: a third of the kernel's bytes for an fp32 gate, [N, Tp, D] fp32). rev (an
    integer T'): position p sums g's token T' - p, zero past g's end (chunk_scan_triton's reversed_gates).
    zero_every (an integer Z): the gates of tokens Z, 2 Z, ... taken as 0 (no copy of g with them zeroed)."""
    if g is None:
        return None, None
    scalar = g.dim() == _lead_dims(HS)
    if _knob("CUM", "kernel") == "kernel":
        g = (g.unsqueeze(-1) if scalar else g).contiguous()
        T, D = g.shape[1], g.shape[-1]
        N = g.shape[0] * HS
        G = _empty(N, Tp, D, device=g.device, dtype=torch.float32)
        Gex = _empty(N, Tp, D, device=g.device, dtype=torch.float32) if exclusive else None
        BD = min(_p2(D), 64)
        _chunk_cumsum_kernel[(Tp // C, N, _cdiv(D, BD))](g, G, G if Gex is None else Gex, T, Tp, HS,
                                                         0 if rev is None else int(rev), D=D, C=C, BD=BD,
                                                         EX=exclusive, REV=rev is not None, ZE=int(zero_every or 0))
        if scalar:
            G, Gex = G.squeeze(-1), None if Gex is None else Gex.squeeze(-1)
        return G, Gex
    if HS > 1:
        g = g.transpose(1, 2).reshape((-1,) + tuple(g.shape[1:2]) + tuple(g.shape[3:]))
    g = g.float()
    if zero_every:
        g = g.clone()
        g[:, zero_every::zero_every] = 0
    if rev is not None:
        # token T' - p at position p: padded to T' + 1 tokens and flipped, the last (token 0) dropped
        pad = [0, 0] * (g.dim() - 2) + [0, int(rev) + 1 - g.shape[1]]
        g = torch.nn.functional.pad(g, pad).flip(1)[:, :int(rev)]
    T = g.shape[1]
    if Tp != T:
        pad = [0, 0] * (g.dim() - 2) + [0, Tp - T]
        g = torch.nn.functional.pad(g, pad)
    shp = g.shape
    G = g.reshape((shp[0], Tp // C, C) + tuple(shp[2:])).cumsum(2).reshape(shp)
    return G.contiguous(), (G - g).contiguous() if exclusive else None


def token_layout_ok(T, HS, K, V, R, P, GK, GV):
    """Whether chunk_scan_triton can take its per-token tensors as [B, T, HS, ...] (heads = HS): every kernel of a
    scan without a value gate addresses them through _seq_row; the value gate's WY kernel (_prep_col_kernel) takes
    [N, T, ...] only. Tile offsets are 32-bit: every tensor must have fewer than 2^31 elements per sequence group
    (T HS rows)."""
    return GV == 0 and T * HS * max(R, P, 1) * max(K, V) < 2 ** 31


def triton_chunk(gk, gv, b=None, k=None, V=None, heads=1):
    """The chunk size the Triton engine uses: 64, except with per-dimension gates, where pairs are formed one by
    one in chunks of 16 (unless the sub-chunked reads are switched on, see _sub_chunked, or rank-one factors take
    chunks of 64, see _r1_chunk64), and with several rank-one
    factors, where the chunk shrinks until the WY system's tiles (chunk x factors rows by the padded K or V) hold
    at most 128 x 128 values: twice that needs 256 KiB of shared memory, over the H200's 227 KiB
    (benchmarks/aot_check.py: three factors at K=128, two at K=256); keys wider than 256 take chunks of 32. heads:
    as chunk_scan_triton's (the tensors' dimensions before a token's own are [N, T] or [B, T, heads])."""
    lead = _lead_dims(heads)
    keys = b if b is not None else k
    return chunk_for(gk is not None and gk.dim() == lead + 1, gk is not None, gv is not None,
                     b.shape[lead] if b is not None else 0, k.shape[lead] if k is not None else 0,
                     keys.shape[-1] if keys is not None else 0, V)


def chunk_for(key_vector, key_gate, value_gate, R, P, K, V):
    """triton_chunk by the sizes alone: a per-dimension key gate (key_vector), a key gate at all, a value gate, R
    rank-one factors and P inputs over K keys and V values."""
    per_dim = key_vector or value_gate
    if per_dim and not _sub_chunked_for(R, P, K, V) and not (R == 1 and not value_gate and key_gate
                                                              and _r1_chunk64_for(K)):
        return 16
    width = max(_p2(K), _p2(V or 1)) if R else 0
    C = 64
    while R and C > 16 and _p2(C * R) * width > 128 * 128:
        C //= 2
    # keys wider than 256 in chunks of at most 32: in chunks of 64 Based's fp32 keys (273, padded to 512) asked the
    # fused pass for 256 KiB of shared memory on the H200, and the stored-state read's bf16 products gave 0.27
    # relative error at 273 and 288 keys alike (right with tf32 products or in chunks of 32 or 16; session 50)
    if (R or P) and _p2(K) > 256:
        C = min(C, 32)
    return C


def _r1_chunk64(gk, gv, b, R):
    """Whether rank-one factors with a per-dimension key gate (KDA, RWKV-7) take chunks of 64: the WY system's
    decayed pair products from 16-row blocks (_sub_scores, then _prep_kernel's solve), a quarter of the
    state pass's sequential steps of chunks of 16. One factor, K <= 128, no value gate. Session 21, call 1,
    2x16384x16x128, each variant in its own process, checks green at gate x1 and x10: KDA forward 6.298 -> 4.263
    ms, forward+backward 29.921 -> 23.161, peak 10462 -> 7378 MB; RWKV-7 6.931 -> 5.342, 33.294 -> 27.109, 10842 ->
    7758 MB (NOTES.md, v23). LINDSL_TUNE_R1_CHUNK=16 keeps chunks of 16."""
    return R == 1 and gv is None and gk is not None and _r1_chunk64_for(b.shape[-1])


def _r1_chunk64_for(K):
    """_r1_chunk64's size and knob rule for one factor over K keys (no value gate, a key gate)."""
    return K <= 128 and _knob("R1_CHUNK", 64) == 64


@_launched
@triton.jit
def _time_reversed_kernel(x_ptr, out_ptr, rs_ptr, T, Tp, L, M, RM, total, scale, SHIFT: tl.constexpr,
                          ROW_SCALE: tl.constexpr, BLOCK: tl.constexpr):
    """out[n, p] = scale * x[n, Tp - 1 - p + SHIFT] (zero past x's T tokens) for p < L, each row of M elements: one
    flat block, in fp32 (exact for a copy). ROW_SCALE: also times rs[n, Tp - 1 - p + SHIFT, e // (M // RM)], one
    factor per RM-th of a row."""
    i = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    ok = i < total
    col = i % M
    p = (i // M) % L
    n = i // (M * L)
    src = Tp - 1 - p + SHIFT
    there = ok & (src < T)
    val = tl.load(x_ptr + (n * T + src) * M + col, mask=there, other=0).to(tl.float32) * scale
    if ROW_SCALE:
        val *= tl.load(rs_ptr + (n * T + src) * RM + col // (M // RM), mask=there, other=0).to(tl.float32)
    tl.store(out_ptr + i, val.to(out_ptr.dtype.element_ty), mask=ok)


def time_reversed(x, Tp, shift=0, length=None, scale=1.0, row_scale=None, dtype=None):
    """flip(shift_next(pad_time(x, Tp))) (shift 1) or flip(pad_time(x, Tp)) (shift 0) of a per-token tensor (time
    in dim 1) in one pass at the copy's bandwidth: position p holds token Tp - 1 - p + shift, zero past x's tokens
    (the adjoint's flipped inputs where the backward's glue runs eagerly; PyTorch's flip gathers by index: 0.18 ms
    per bf16 [2, 16384, 16, 128] tensor on the H200, session 36). length: the positions kept (Tp by default);
    scale: a constant and row_scale (x.shape[:-2], e.g. the fold's s per token) a factor per token the copy
    multiplies by, in fp32; dtype: the copy's (x's by default)."""
    if x is None:
        return None
    x = x.contiguous()
    L = Tp if length is None else int(length)
    out = torch.empty((x.shape[0], L) + tuple(x.shape[2:]), device=x.device, dtype=dtype or x.dtype)
    M = math.prod(x.shape[2:])
    if row_scale is not None and tuple(row_scale.shape) != tuple(x.shape[:-2]):
        raise ValueError(f"time_reversed: row_scale needs x's leading shape {tuple(x.shape[:-2])}, got "
                         f"{tuple(row_scale.shape)}")
    rs = row_scale.contiguous() if row_scale is not None else x
    RM = math.prod(rs.shape[2:]) if row_scale is not None else 1
    total = out.numel()
    if total:
        block = 4096
        _time_reversed_kernel[(_cdiv(total, block),)](x, out, rs, x.shape[1], Tp, L, M, RM, total, float(scale),
                                                       SHIFT=shift, ROW_SCALE=row_scale is not None, BLOCK=block,
                                                       num_warps=8)
    return out


def _sub_chunked(b, k, V):
    """Per-dimension gates in chunks of 64 made of 16-row blocks, the pair scores once per chunk
    (_sub_offdiag_kernel, _sub_diag_scores_kernel) and a tensor-core read-out, for one input and no rank-one
    factors. On by default up to K = V = 128: GLA, HGRN2 and RWKV-6 at 4x8192x16x128 7 % faster forward, 9-14 %
    forward+backward than chunks of 16 with pair loops (benchmarks/NOTES.md, v9). Above 128 the diagonal scores
    hold [16, K] rows per warp pair and are unmeasured, so chunks of 16 stay; LINDSL_TUNE_SUBCHUNK=0/1 overrides."""
    return _sub_chunked_for(0 if b is None else b.shape[-2], 0 if k is None else k.shape[-2],
                            0 if k is None else k.shape[-1], V)


def _sub_chunked_for(R, P, K, V):
    """_sub_chunked by the sizes alone: R rank-one factors, P inputs over K keys, V values."""
    fits = P > 0 and K <= 128 and (V or 1) <= 128
    return bool(_knob("SUBCHUNK", int(fits))) and R == 0 and P == 1


def _pairs_by_key(keys):
    """{first: second} pairing each index with the next one of the same key (None: never paired), in order."""
    partners, waiting = {}, {}
    for i, key in enumerate(keys):
        if key is None:
            continue
        first = waiting.pop(key, None)
        if first is None:
            waiting[key] = i
        else:
            partners[first] = i
    return partners


def _merged_gated_reads(reads, GK, GV):
    """Pairs of sub-chunked reads read out in one launch {first: second}: two readers of the same side and timing
    with a gate on the returned side share the state block, the decayed sources and the diagonal's decays
    (_read_amat_gated_kernel's NX = 2): KDA's and RWKV-7's two adjoint reads (session 21, call 2, KDA at
    2x16384x16x128, each variant in its own process, checks green: forward+backward 23.305 -> 22.542 ms, the gated
    read-outs 4 launches 7.568 ms -> 3 launches 6.987). LINDSL_TUNE_READ_MERGE=0: one launch per read."""
    if not _knob("READ_MERGE", 1):
        return {}
    return _pairs_by_key([(side, timing) if (GV if side == "k" else GK) else None for side, timing, _ in reads])


def _merged_plain_reads(reads, alone=()):
    """Pairs of _read_kernel's tensor-core reads (scalar or no gates) read out in one launch {first: second}: two
    readers of the same side, whatever their timing, share the state block and the source rows
    (_read_chunk_products' NX = 2, eight warps): the delta rule's two value-side reads of the adjoint and the two of
    the forward rescan (session 23, call 2, 2x16384x16x128, each variant in its own process, checks green: Gated
    DeltaNet forward+backward 11.149 -> 10.329 ms, DeltaNet 7.044 -> 6.965). LINDSL_TUNE_PLAIN_MERGE=0: one launch
    per read. The reads in alone (kernelized scores) are read alone."""
    if not _knob("PLAIN_MERGE", 1):
        return {}
    return _pairs_by_key([None if i in (alone or ()) else side for i, (side, _, _) in enumerate(reads)])


def _sub_scores(x, src, src2, gi, gs, N, T, Tp, C, HS, TX, d_in, gin, before, precision, two, rev, sfold=None,
                x2=None, srev=False):
    """A sub-chunked read's pair scores A[t, s] = sum_d x_td src_sd e^{gi_td - gs_sd} for s <= t of each chunk of C
    (s < t with before; the blocks above the diagonal blocks are not written), [N, NC, C, C] fp32, and with two the
    same for src2 (A2, else A2 is A): one masked product per chunk when the contracted side has no gate
    (_plain_scores_kernel; sfold as _sub_read's), else fla's split (v11: GLA forward -16 %, RWKV-7 -20 % against one
    program per 16-row block doing both): the blocks below the diagonal one program per block pair, one warp
    (_sub_offdiag_kernel); the diagonal blocks apart, two warps (_sub_diag_scores_kernel). Also the WY system's
    decayed pair products in chunks of 64 (the reads before the update of x = a with the exclusive gates). x2 (a
    per-dimension gate, before, gi the exclusive gates and gs the inclusive): also the scores of a reader x2 after the
    update against the same sources, A3 and A4 (A4 is A3 without two), the diagonal blocks from the same
    exponentials (_sub_diag_scores_kernel's X2); returns (A, A2, A3, A4). srev: the sources are the callers' tensors
    in their own order, TX tokens, read in reverse (chunk_scan_triton's reversed_sources; the kernels' SREV)."""
    NC = _cdiv(T, C)
    TS = TX if srev else T
    A = _empty(N, NC, C, C, device=x.device, dtype=torch.float32)
    A2 = _empty(N, NC, C, C, device=x.device, dtype=torch.float32) if two else A
    if x2 is not None:
        assert gin == 2 and before and sfold is None and C % 16 == 0 and C > 16, "a second reader: see X2"
        A3 = _empty(N, NC, C, C, device=x.device, dtype=torch.float32)
        A4 = _empty(N, NC, C, C, device=x.device, dtype=torch.float32) if two else A3
    else:
        A3, A4 = A, A2
    NSB = C // 16
    if gin == 0 and _knob("SUB_PLAIN", 1):
        # no gate on the contracted side (LINDSL_TUNE_SUB_PLAIN=0: the split below)
        su, ss, sfold_kind = sfold if sfold is not None else (src, src, 0)
        _plain_scores_kernel[(NC, N)](x, src, src2, A, A2, su, ss, T, NC, HS, TX, TS, D_IN=d_in, C=C, BI=_p2(d_in),
                                      BK=min(_knob("SUB_PLAIN_BK", 64), _p2(d_in)), BEFORE=before, PREC=precision,
                                      TWO=two, REV=rev, SFOLD=sfold_kind, SREV=srev,
                                      num_stages=_knob("SUB_PLAIN_STAGES", 2), num_warps=_knob("SUB_PLAIN_WARPS", 4))
        return A, A2
    assert sfold is None, "only the plain scores take a fold"
    for reader, g_reader, out, out2 in ([(x, gi, A, A2)] + ([(x2, gs, A3, A4)] if x2 is not None else [])
                                        if NSB > 1 else []):
        # the blocks below the diagonal (x2, after the update: its gates are the inclusive gs)
        _sub_offdiag_kernel[(NC * NSB * NSB, N)](reader, src, src2, g_reader, gs, out, out2, T, Tp, NC, HS, TX, TS,
                                                 D_IN=d_in, C=C, BI=_p2(d_in),
                                                 BK=min(_knob("SUB_OFF_BK", 64), _p2(d_in)), GIN=gin,
                                                 PREC=precision, TWO=two, REV=rev, SREV=srev,
                                                 num_stages=_knob("SUB_OFF_STAGES", 2),
                                                 num_warps=_knob("SUB_OFF_WARPS", 1))
    _sub_diag_scores_kernel[(NC * NSB, N)](x, src, src2, gi, gs, A, A2, x if x2 is None else x2, A3, A4, T, Tp, NC,
                                           HS, TX, TS, D_IN=d_in, C=C, BI=_p2(d_in), BEFORE=before, GIN=gin, TWO=two,
                                           REV=rev, PARTS=_knob("SUB_DIAG_PARTS", 2), X2=x2 is not None, SREV=srev,
                                           num_stages=1, num_warps=_knob("SUB_DIAG_WARPS", 2))
    return (A, A2) if x2 is None else (A, A2, A3, A4)


def _sub_read(x, src, w, gates, h, out, side_k, before, gin, gout, N, T, K, V, C, NCH, h_step, has_h, acc,
              precision, second=None, wide=False, HS=1, TX=None, rev=False, fold=None, also=None, gated_rows=16,
              scores=None, gauges=(None, None), flipped=False, oscale=1.0, oscale2=1.0, srev=False,
              whole_halves=False):
    """One source pair of a sub-chunked read (chunks of C made of 16-row blocks), or two with the same decays
    (second = (src2, w2)): the pair scores once per chunk (_sub_offdiag_kernel, _sub_diag_scores_kernel; one masked
    product, _plain_scores_kernel, when the contracted side has no gate), then the read-out per value block on the
    tensor cores. gates: the within-chunk cumulative gates (G, Gex, Gv, Gvex, Tp) for chunks of C; h: NCH stored
    states, one every C / h_step tokens. wide: value blocks of up to 128 in the
    read-out (session 10, checked: GLA, RWKV-6, HGRN2 forward+backward 2.5-5 % faster; KDA and RWKV-7, whose reads
    come here with two source pairs, 6-7 % slower, so they keep blocks of 64). HS: chunk_scan_triton's heads (the
    per-token tensors x, src, w and out in [N, T, ...] or [B, T, HS, ...]); TX, rev: x and out as _reader_rows
    takes them (chunk_scan_triton's reversed_reads). fold: (u, s, FOLD) for the delta rule's pair (k', v' - s u),
    its value rows given as v' (s: [N, T] or [B, T, HS] for FOLD 2). also: (x2, out2), a second reader of the same
    state, sources and timing, read out in the same launch (a gate on the returned side only: _merged_gated_reads).
    gated_rows: rows per program of the gated read-out, 16 (one block) or C (the whole chunk). scores: the pair
    scores (A, A2) made already (chunk_scan_triton's shared scores). gauges: the per-element gauge terms (vec, sign,
    g, acc, shift) of out and of also's result, or None, made by the gated read-out from its fp32 results
    (_read_amat_gated_kernel's GX). flipped: scores (A) are a scan's over the reversed time (the forward's, read by
    the adjoint; the adjoint's, read by the backward's rescan: the read-outs' AFLIP). oscale, oscale2: the
    results' constant factors (out's and also's: chunk_scan_triton's read_scales). srev: src and w are the callers'
    tensors of TX tokens in their own order, read in reverse (chunk_scan_triton's reversed_sources). whole_halves:
    whole-chunk read-outs take their diagonal blocks by halves (one-block programs always do).
    Returns the pair scores (A, A2) it read."""
    TX = T if TX is None else TX
    TS = TX if srev else T
    G, Gex, Gv, Gvex, Tp = gates
    NC = _cdiv(T, C)
    d_in, d_out = (K, V) if side_k else (V, K)
    gi = (Gex if before else G) if side_k else (Gvex if before else Gv)
    go = (Gvex if before else Gv) if side_k else (Gex if before else G)
    two = second is not None
    src2, w2 = second if two else (src, w)
    wfold = sfold = None
    if fold is not None:
        # the pair's value rows are v' - s u, given as v' (w for a key-side read, src otherwise): made where they are
        # loaded (_read_amat_kernel's WFOLD, _plain_scores_kernel's SFOLD), or here for the other kernels and with
        # LINDSL_TUNE_READ_WFOLD=0
        assert not two, "the fold is one source pair"
        plain = gin == 0 and _knob("SUB_PLAIN", 1)
        if _knob("READ_WFOLD", 1) and (gout == 0 if side_k else plain):
            wfold, sfold = (fold, None) if side_k else (None, fold)
        else:
            u, s, kind = fold
            made = (((w if side_k else src).to(torch.float32) - (s[..., None] if kind == 2 else 1.0) * u)
                    .contiguous())
            w, src = (made, src) if side_k else (w, made)
    A, A2 = scores if scores is not None else _sub_scores(x, src, src2, gi, G if side_k else Gv, N, T, Tp, C, HS,
                                                          TX, d_in, gin, before, precision, two, rev, sfold,
                                                          srev=srev)
    assert not flipped or (also is None and not two and A.shape == (N, NC, C, C)), "flipped: one pair, one reader"
    BO = _knob("READ_BO", min(_p2(d_out), 128 if wide else 32 if _p2(d_in) >= 256 else 64))
    if gout == 0:
        assert also is None and gauges == (None, None), "a second reader and gauge terms: gated read-outs only"
        wu, ws, wfold_kind = wfold if wfold is not None else (w, w, 0)
        grid, vadj = _grid_blocks(NC, N, _cdiv(d_out, BO), 16)
        _read_amat_kernel[grid](
            x, w, w2, A, A2, gi, h, out, wu, ws, T, Tp, NC, NCH, HS, TX, TS, float(oscale), D_IN=d_in, D_OUT=d_out,
            K=K, V=V, C=C, BI=_p2(d_in), BKI=min(_p2(d_in), 64), BO=BO, SIDE_K=side_k, GIN=gin, PREC=precision,
            H_STEP=h_step, HAS_H=has_h, ACC=acc, TWO=two, REV=rev, WFOLD=wfold_kind, AFLIP=flipped, SREV=srev,
            VADJ=vadj, num_stages=1)
    else:
        assert wfold is None, "the gated read-out takes no fold"
        x2, out2 = also if also is not None else (x, out)
        A3, A4 = (_sub_scores(x2, src, src2, gi, G if side_k else Gv, N, T, Tp, C, HS, TX, d_in, gin, before,
                              precision, two, rev, sfold, srev=srev) if also is not None else (A, A2))
        # rows per program: one 16-row block, or the whole chunk, which loads the state block once per chunk
        # instead of once per block, in value blocks of GATED_BO (32; 64 spills with NX = 2)
        rb = C if gated_rows == C else 16
        BO = BO if rb == 16 else min(BO, _knob("GATED_BO", 32))
        # the diagonal blocks by 8-row halves with one 16-row block per program (session 27, call 2, GLA at
        # 2x16384x16x128, each variant in its own process, checks green at gate x1 and x10: forward+backward 9.981 ->
        # 9.679 ms; with whole chunks 10.370 -> 9.723); whole-chunk programs (KDA's, RWKV-7's) not measured with it.
        # LINDSL_TUNE_DIAG_LEVELS (0: whole blocks, 1: halves, 2: quarters, ...; not measured past halves) overrides
        # both. Whole-chunk programs by halves where the caller asks (whole_halves: the rank-one factors' reads
        # after the state pass; H100, 4x4096x64x128, checks green at gate x1 and x10: KDA, every read there, 38.714
        # -> 38.476 ms in session 65, with 64-wide state passes 38.306 -> 37.071 in session 68; RWKV-7's forward
        # 9.119 -> 9.070), not the chunk-level adjoint's one-pair reads (RWKV-7's backward with halves: 36.917 ->
        # 37.372 ms, session 68, call 4)
        levels = min(4, _knob("DIAG_LEVELS", int(rb == 16 or whole_halves)))
        # the read-out's products in bf16 as fla's gated reads take them: LINDSL_TUNE_GATED_PREC=bf16 the scores with
        # the decayed sources, LINDSL_TUNE_GATED_STATE_PREC=bf16 the readers' rows with the state block. Both (session
        # 69, call 2, H100, KDA at 4x4096x64x128): forward+backward 37.189 -> 35.424 ms, but dg 3.6e-2 from fp64
        # against a tolerance of 2e-2 at gate x10. The state product is what costs it: under the interpreter (bf16
        # rounding, KDA at 1x256x2x128, gate x10, benchmarks/corr_cpu.py) dg 2.8e-3 by default, 1.9e-2 with either
        # the state product alone or both in bf16, 2.9e-3 with the scores' product alone. Off until timed.
        gated_prec = _for_interpreter(_knob("GATED_PREC", precision))
        state_prec = _for_interpreter(_knob("GATED_STATE_PREC", precision))
        g1, g2 = gauges
        terms = [t for t in gauges if t is not None]
        assert len({t[4] for t in terms}) <= 1, "the terms of one launch share their timing, so their shift"
        gfirst = terms[0] if terms else (x, 0.0, out, False, False)
        grid, vadj = _grid_blocks(NC * (C // rb), N, _cdiv(d_out, BO), 16)
        _read_amat_gated_kernel[grid](
            x, w, w2, A, A2, gi, go, Gv if side_k else G, h, out, x2, A3, A4, out2,
            g1[0] if g1 else x, g2[0] if g2 else x, gfirst[2], float(g1[1]) if g1 else 0.0,
            float(g2[1]) if g2 else 0.0, T, Tp, NC, NCH, HS, TX, TS, float(oscale), float(oscale2),
            D_IN=d_in, D_OUT=d_out, K=K, V=V, C=C, BI=_p2(d_in), BO=BO, SIDE_K=side_k, GIN=gin, GOUT=gout,
            PREC=gated_prec, H_STEP=h_step, HAS_H=has_h, ACC=acc, TWO=two, REV=rev, BEFORE=before,
            NX=1 if also is None else 2, RB=rb, LEVELS=levels, GX=(1 if g1 else 0) + (2 if g2 else 0),
            GACC=bool(gfirst[3]), GSHIFT=bool(gfirst[4]), AFLIP=flipped, SREV=srev, VADJ=vadj, SPREC=state_prec,
            num_stages=1, num_warps=_knob("SUB_GATED_WARPS", 4))
    return A, A2


def _for_interpreter(precision):
    """The interpreter's bf16 products are wrong: there, round the operands and multiply in fp32."""
    if precision in ("bf16", "hilo") and _env("TRITON_INTERPRET") == "1":
        return precision + "-rounded"
    return precision


def _tile_prec(precision, knob, *tiles):
    """The precision of a product of loaded tiles: bf16 where the kernel multiplies in tf32 and every tile is stored
    in bf16 (the same exact products: a bf16 value is exact in tf32), else the kernel's precision. Fewer registers
    (ptxas for sm_90: DeltaNet's adjoint value-side read 255 with 72 B of spill -> 228, its forward read 167 -> 128,
    its WY system 255 -> 218) and bf16 tensor-core rates; session 20, call 1, 2x16384x16x128, each variant in its
    own process, checks green at gate x1 and x10: R1_TILE_BF16 (the rank-one reads) DeltaNet forward 1.866 -> 1.715
    ms, forward+backward 7.698 -> 7.049; WY_TILE_BF16 (the WY system) 1.855 / 7.672 alone, 1.697 / 7.019 with both;
    Gated DeltaNet with both 2.122 -> 1.941, 11.242 -> 11.026 (benchmarks/NOTES.md, v22). LINDSL_TUNE_<knob>=0
    keeps tf32."""
    low = precision == "tf32" and all(t.dtype == torch.bfloat16 for t in tiles) and _knob(knob, 1)
    return _for_interpreter("bf16") if low else precision


def _read_launch(d_in, d_out, side_k, R, loop, precision):
    """(value block BO, contracted block BKI, pipeline stages) of _read_kernel's launch (BO also of
    _read_sub_kernel's, which takes the defaults: per-dimension gates loop). Reads with rank-one factors
    at D = 128 with tf32 products by benchmarks/read_sweep.py (session 15, calls 1-3, four shapes each, every
    configuration checked): on the value side (the delta rule's backward reads, folded or not) one 128-wide value
    block with the contraction in blocks of 64 and two stages (the pair rows are made once per program, not once per
    value block: folded 0.538 -> 0.458 ms at 2x16384x16x128, 0.85x summed over the shapes; unfolded 0.685 -> 0.639,
    0.93x). The folded key side (the forward's read) measured 0.97x alone with the contraction in blocks of 64, but
    DeltaNet's and Gated DeltaNet's forwards went 2-3 % up with it (calls 1 -> 3): it keeps whole rows. Every other
    read kept its session 14 launch, the sweep's best within 1 %. Knobs READ_BO, READ_BK, READ_STAGES override."""
    BO = min(_p2(d_out), 32 if _p2(d_in) >= 256 else 64)
    # whole rows up to 256; wider rows (Based's feature map, K = 273 padded to 512) in blocks of 64: whole rows ask
    # for 256 KB of shared memory in Based's backward (over the H200's 227, session 49) and spill 1.6 KB a thread
    # under ptxas; in blocks, at most 56 B and Based's gradients within tolerance on the H200
    BKI, stages = (_p2(d_in) if _p2(d_in) <= 256 else 64), 1
    if R and not side_k and not loop and precision == "tf32" and _p2(d_in) == 128 and _p2(d_out) == 128:
        BO, BKI, stages = 128, 64, 2
    return _knob("READ_BO", BO), _knob("READ_BK", BKI), _knob("READ_STAGES", stages)


def _state_pass_launch(N, K, V, C, R, GK, GV, FOLD, fused, fast, state_prec, wy_bf16, occupancy_rules, sms,
                       decayed=False):
    """The state pass's launch, (key block, value block, warps, stages), by the kind of pass: fused with the reads,
    storing without rank-one factors, storing with them (decayed: its sources decayed by the WY system's kernel).
    LINDSL_TUNE_STATE_BK (storing, no rank-one factors), STATE_BV, STATE_WARPS, STATE_STAGES (fused) and
    STORE_H_STAGES (storing) override the choice."""
    BK, BV = _p2(K), _p2(V)
    bk, warps = BK, 4
    if fused:
        # value blocks of 16 with a scalar key gate when the wider blocks would leave SMs idle (session 10's table:
        # RetNet forward 0.42 -> 0.38 ms at 4x2048x16x128 with 128 programs, 1.03 -> 0.94 at 2x16384x16x128 with
        # 64, but 1.24 -> 2.23 at 4x4096x64x128 with 512: each value block repeats the chunk's pair products). Not
        # at K = 256, where the repeated products are twice as long (2x8192x16x256 with 128 programs: forward 1.27
        # -> 1.70 ms, forward+backward 8.86 -> 10.01), nor for specs without a gate (slower with 16 in call 2).
        # Two stages (run 3: gla fwd+bwd -5 %) except with rank-one factors or K > 128, where they overflow shared
        # memory (254 KB at K = V = 256, over the H200's 227 KiB: benchmarks/aot_check.py)
        bv = min(BV, 64) if fast else min(BV, 32 if K >= 128 else 64)
        if occupancy_rules and N * _cdiv(V, bv) < sms:
            bv = 16
        stages = _knob("STATE_STAGES", 2 if (fast or not R) and K <= 128 else 1)
    elif not R:
        # the state's rows are independent, so the pass runs in blocks of 64 value columns by 64 or 32 key rows
        # (fla's chunk_fwd_h tiles), by product precision (session 14, calls 1 and 4, benchmarks/state_pass_sweep.py,
        # 46 configurations each checked against the default's states at fla's four D = 128 shapes, times summed
        # over gates and shapes against the sum of each case's best):
        # - bf16 (the forward): 64 key rows, or whole rows for scalar or no key gates once those still give three
        #   programs per SM; four warps, three stages up to two programs per SM, two beyond: 1.02x the best
        #   (session 13's value blocks of 16-64 over whole key rows: 1.45x; 2x16384x16x128 0.32 -> 0.20 ms,
        #   per-dimension gates 0.65 -> 0.37);
        # - tf32 (the backward's passes for bf16 inputs): 64 key rows, two warps, two stages: 1.06x (session 13's:
        #   1.55x; 1x8192x96x128 with a scalar gate 0.67 -> 0.42 ms, per-dimension 0.94 -> 0.50);
        # - tf32x3 (fp32 inputs): 32 key rows, four warps, three stages: 1.09x (session 13's: 1.36x).
        # - tf32 with a per-dimension key gate where 64 key rows leave SMs idle: 32 key rows, four warps, three
        #   stages (session 28, call 1, GLA's backward pass at 2x16384x16x128, 128 programs: 0.607 -> 0.466 ms, the
        #   best of 48 within 1 %; at 4x4096x64x128, 1024 programs, the default 0.802 is within 3 % of the best).
        # K = 64 and 256 not measured
        bv, stages = min(BV, 64), 2
        if state_prec == "tf32":
            bk, warps = min(BK, 64), 2
            if GK == 2 and N * _cdiv(V, bv) * _cdiv(K, bk) < sms:
                bk, warps, stages = min(BK, 32), 4, 3
        elif state_prec == ACCURATE:
            bk, stages = min(BK, 32), 3
        else:
            whole = GK != 2 and N * _cdiv(V, bv) * _cdiv(K, 128) >= 3 * sms
            bk = BK if whole else min(BK, 64)
            stages = 3 if N * _cdiv(V, bv) * _cdiv(K, bk) <= 2 * sms else 2
        bk = min(BK, _p2(_knob("STATE_BK", bk)))
        stages = _knob("STORE_H_STAGES", stages)
    else:
        enough = _knob("STATE_PROGRAMS", 192)  # the programs a rank-one pass's value blocks should give (below)
        # rank-one factors: whole key rows (the factors mix them). In chunks of 64 two stages with bf16 products
        # (Gated DeltaNet's state pass 1.29 -> 1.02 ms, session 8) and one with tf32 (two measured 14-20 % slower,
        # three overflow shared memory); in chunks of 16 with bf16 W, U0 three (KDA, session 8)
        bv = min(BV, 32 if K >= 128 else 64)
        stages = 3 if C <= 16 and wy_bf16 else (2 if state_prec.startswith("bf16") and K <= 128 else 1)
        if not GV and C > 16 and BK == 128 and state_prec != ACCURATE:
            # at K = 128 without a value gate: the widest value block that still gives 192 programs, from 64 down
            # to 16 with bf16 products and to 32 with tf32; stages: bf16 folded (the delta rule's forward and
            # rescan) three in blocks of 16 and two in wider ones, bf16 unfolded (the adjoint's) two, tf32 one in
            # blocks of 64 and two in narrower ones. state_pass_sweep.py --rank-one, each configuration's states
            # checked: session 14, call 2 (folded, ungated and with a scalar gate, at fla's four D = 128 shapes:
            # the best of 18 or within 1 % in all 16 cases, 1.41x the best in total before; 4x4096x64x128 forward
            # 1.17 -> 0.74 ms); session 25, calls 1 and 3 (tf32: Gated DeltaNet's adjoint and rescan, bf16:
            # DeltaNet's adjoint, at 256, 96, 64 and 32 sequences): the best of 18 or within 2 % in 11 of 12 cases
            # (the tf32 adjoint at 32 sequences 1.323 ms, 1.239 with three stages, which take 0.329 against 0.230
            # at 64), against the older rules (32-wide blocks for the adjoint, 16-wide tf32 rescans): 4x4096x64x128
            # adjoint tf32 2.060 -> 1.464, bf16 1.416 -> 0.858; 2x16384x16x128 adjoint tf32 1.500 -> 1.323, bf16
            # 0.743 -> 0.706, rescan 0.976 -> 0.928; 4x2048x16x128 adjoint tf32 0.235 -> 0.230. End to end (each
            # variant in its own process, checks green): session 25 call 2's adjoint rule at 4x4096x64x128, f+b
            # Gated DeltaNet 17.217 -> 16.597 ms, DeltaNet 12.440 -> 11.898; call 3 at 2x16384x16x128, DeltaNet's
            # 192 programs in bf16 against 128: 6.922 -> 6.749. Not fp32 inputs (tf32x3, not measured).
            # LINDSL_TUNE_STATE_PROGRAMS sets the count
            low = state_prec.startswith("bf16")
            bv = min(BV, next(b for b in (64, 32, 16) if b == (16 if low else 32) or N * _cdiv(V, b) >= enough))
            if not low:
                stages = 1 if bv == 64 else 2
            else:
                stages = 3 if FOLD and bv == 16 else 2
        if GK == 2 and C > 16:
            # a per-dimension key gate in chunks of 64 (_r1_chunk64): 32-wide value blocks, two stages (session 20,
            # call 4, KDA at 2x16384x16x128: the forward's pass 1.958 -> 1.011 ms against the folded rule's 16-wide
            # blocks, forward+backward's three passes 5.119 -> 3.651; each 16-wide block reloads the chunk's
            # [C, K] gate tile); with decayed sources, which have no gate tile, 16-wide where 32-wide blocks would
            # give fewer than 192 programs (session 22, call 2, KDA at 2x16384x16x128 with 128: forward 3.578 ->
            # 3.508 ms; session 23, call 2, at 4x4096x64x128 with 1024, 32 against 16: forward 8.182 -> 7.107)
            # 64-wide where they still give 192 programs (session 68, H100, 4x4096x64x128, 512 programs against
            # 1024, each variant in its own process, checks green at gate x1 and x10: forward+backward KDA 38.714 ->
            # 38.005 ms in session 65, RWKV-7 47.120 -> 45.886 and 47.132 -> 45.931; 192-511 programs not measured)
            bv = 64 if N * _cdiv(V, 64) >= enough else (16 if decayed and N * _cdiv(V, 32) < enough else 32)
            bv, stages = min(BV, bv), 2
        if not FOLD and not GV and C > 16:
            stages = _knob("UNFOLDED_STAGES", stages)
        stages = _knob("STORE_H_STAGES", stages)
        if stages == 1 and state_prec.startswith("bf16") and not FOLD and C > 16 and K <= 128:
            # one stage in the bf16 unfolded pass returned NaN states (16-wide blocks, four warps) or faulted
            # (eight warps) on the H200 with Triton 3.6 at 2x16384x16x128 (session 24, call 4); two or three did
            # not. K = 256, whose default is one stage (two overflow shared memory), was not measured
            raise ValueError("the rank-one state pass without the fold in bf16 needs at least two pipeline stages "
                             "(LINDSL_TUNE_STORE_H_STAGES / UNFOLDED_STAGES = 1 gave NaN or an illegal address)")
    bv = 16 if (R and GV) else _knob("STATE_BV", bv)
    return bk, bv, _knob("STATE_WARPS", warps), stages


def _check_kernel_scores(kernel_scores, reads, loop, R, P, fold):
    """chunk_scan_triton's kernel_scores, refused where no read kernel would take them (rather than read from the
    feature rows): one input pair, no rank-one factors, no per-dimension gate, key-side reads, degree <= 4, base
    rows of one width."""
    if loop or R or P != 1 or fold is not None:
        raise ValueError("kernelized scores: one input pair, no rank-one factors and no per-dimension gate")
    for i, (xb, kb, coefs) in kernel_scores.items():
        if reads[i][0] != "k" or len(coefs) > 5 or xb.shape[-1] != kb.shape[-1]:
            raise ValueError(f"kernelized scores: a key-side read, degree <= 4 and base rows of one width; got side "
                             f"{reads[i][0]}, {len(coefs)} coefficients, widths {xb.shape[-1]}, {kb.shape[-1]}")


def _kernel_score_args(kernel_scores, i_read, dummy):
    """(xb, kb, POLY, five coefficients, DB) of _read_kernel's launch for a read: its kernelized scores' base rows
    and polynomial (chunk_scan_triton's kernel_scores, _check_kernel_scores), or none (POLY 0)."""
    if not kernel_scores or i_read not in kernel_scores:
        return dummy, dummy, 0, (0.0,) * 5, 16
    xb, kb, coefs = kernel_scores[i_read]
    return (_data(xb, dummy), _data(kb, dummy), len(coefs), tuple(float(c) for c in coefs) + (0.0,) * (5 - len(coefs)),
            int(xb.shape[-1]))


def _scaled_copies(reads, indices, fold):
    """reads with the vector x of each read in indices replaced by -s x (s: the fold, True for 1, or per token)."""
    if fold is None or fold is False:
        raise ValueError("fold_reads: a read scaled by the fold's -s needs a fold")

    def scaled(x):
        return -x if fold is True else -(fold.to(torch.promote_types(fold.dtype, torch.float32))[..., None] * x)

    return [(side, timing, scaled(x) if i in indices else x) for i, (side, timing, x) in enumerate(reads)]


def _unscaled(reads, scales, indices):
    """reads and their result scales with each read in indices taking a copy of its vector times its scale instead
    (scale 1): reads fused into one state pass whose scales differ (the fused reads take one OSCALE)."""
    reads, scales = list(reads), list(scales)
    for i in indices:
        if scales[i] != 1.0:
            side, timing, x = reads[i]
            reads[i], scales[i] = (side, timing, x * scales[i]), 1.0
    return reads, scales


def _check_skips(skips, reads, loop, reversed_reads, N, HS, T, V):
    """chunk_scan_triton's skips: key-side reads of a forward scan with scalar or no gates, each y laid out as the
    read's result ([N, T, V], or [B, T, HS, V]) and each c the heads' coefficients ([heads] or [heads, V]) or the
    tokens' ([N, T], or [B, T, HS])."""
    if loop or reversed_reads:
        raise ValueError("skip terms are added by the tensor-core reads of a forward scan (scalar or no gates)")
    shape = (N, T, V) if HS == 1 else (N // HS, T, HS, V)
    for i, (y, c, per_token) in skips.items():
        if not 0 <= i < len(reads) or reads[i][0] != "k":
            raise ValueError(f"skip term of read {i}: not one of the scan's key-side reads")
        if tuple(y.shape) != shape or not y.is_contiguous():
            raise ValueError(f"skip term of read {i}: y must be contiguous and laid out as the result {list(shape)}, "
                             f"got {list(y.shape)}")
        if per_token:
            if tuple(c.shape) != shape[:-1] or not c.is_contiguous():
                raise ValueError(f"skip term of read {i}: a per-token c must be contiguous and laid out as a "
                                 f"per-token scalar {list(shape[:-1])}, got {list(c.shape)}")
            continue
        heads = c.shape[0] if c.dim() in (1, 2) else 0
        if not heads or (c.dim() == 2 and c.shape[1] != V) or N % heads or HS not in (1, heads):
            raise ValueError(f"skip term of read {i}: c must be [heads] or [heads, {V}] with the rows' heads, got "
                             f"{list(c.shape)}")


def forward_reads_fuse(N, T, K, V, R, GK, kernel_scores, device):
    """Whether a forward scan's reads (chunk_scan_triton's, no per-dimension or value gate) run inside its state pass
    by default: not with rank-one factors, keys over 256 or kernelized scores, nor with a scalar key gate where few
    long sequences leave the pass short of programs (its chain then the bottleneck); LINDSL_TUNE_FUSE_READS
    overrides. Session 11, call 5 and 6 (the reasons at chunk_scan_triton's fused)."""
    occupancy_rules = GK == 1 and not R and K <= 128
    few_long = occupancy_rules and N * _cdiv(V, 64) < 2 * _sm_count(device) and T >= 4096
    return bool(_knob("FUSE_READS", int(not R and not few_long and K <= 256 and not kernel_scores)))


def _boundary_in_pass(boundary, GK, GV, states, N, NC, K, V):
    """_state_kernel's BND for chunk_scan_triton's boundary (0 without one), or a ValueError where the scan cannot
    make those sums in its state pass."""
    if boundary is None:
        return 0
    h = boundary.get("h")
    if not GK or GV or states is not None or NC < 2:
        raise ValueError("boundary sums in the state pass need a key gate, no value gate, the state pass run by this "
                         "scan and more than one chunk")
    if h is None or tuple(h.shape) != (N, NC, K, V) or not h.is_contiguous():
        raise ValueError(f"boundary: h must be the other scan's contiguous chunk states {[N, NC, K, V]}, got "
                         f"{None if h is None else list(h.shape)}")
    if bool(boundary.get("rowsum")) != (GK == 1):
        raise ValueError("boundary: rowsum for a scalar key gate, row sums for a per-dimension one")
    return 1 if GK == 1 else 2


@_launched
@triton.jit
def _fold_b_kernel(k_ptr, s_ptr, b_ptr, rows, K: tl.constexpr, BK: tl.constexpr, ROWS: tl.constexpr):
    """b = -s k' for ROWS token rows per program (_fold_b): k' and b [rows, K], s one scalar per row."""
    rr = tl.program_id(0).to(tl.int64) * ROWS + tl.arange(0, ROWS)
    kk = tl.arange(0, BK)
    m = (rr < rows)[:, None] & (kk < K)[None, :]
    at = rr[:, None] * K + kk[None, :]
    sr = tl.load(s_ptr + rr, mask=rr < rows, other=0.0).to(tl.float32)
    kr = tl.load(k_ptr + at, mask=m, other=0.0).to(tl.float32)
    tl.store(b_ptr + at, (-sr[:, None] * kr).to(b_ptr.dtype.element_ty), mask=m)


def _fold_b(k, s):
    """The delta rule's fold b = -s k' from k' ([..., T, 1, K] or [..., T, H, 1, K], contiguous) and s (True for 1,
    or one scalar per token, any strides), contiguous in k's dtype, in one pass (_fold_b_kernel: the product in fp32
    rounded once, as the rows prologue writes b; a broadcast product with a value gate's strided s took its strides,
    which the kernels do not: session 66's fuzz, 5e-2 output error)."""
    if s is True:
        return -k
    b = _empty(*k.shape, device=k.device, dtype=k.dtype)  # NaN under LINDSL_POISON=1, as every kernel output
    rows, K = k.numel() // k.shape[-1], k.shape[-1]
    if rows:
        block = max(1, 4096 // _p2(K))
        _fold_b_kernel[(_cdiv(rows, block),)](k, s.contiguous(), b, rows, K=K, BK=_p2(K), ROWS=block, num_warps=4)
    return b


def per_token_shape(N, T, HS):
    """The shape of a per-token scalar in chunk_scan_triton's layout: [N, T], or [N / HS, T, HS] (heads HS)."""
    return (N, T) if HS == 1 else (N // HS, T, HS)


def _skip_kind(skip):
    """_read_kernel's and _state_kernel's SKIP for a skip term (y, c, per_token) or None: 0 none, 1 a coefficient per
    head, 2 one per head and result column, 3 one per token."""
    if skip is None:
        return 0
    _, c, per_token = skip
    return 3 if per_token else 1 if c.dim() == 1 else 2


def _skip_heads(skip):
    """The heads of a skip term's coefficients per head (1 without one, or with one per token)."""
    return skip[1].shape[0] if _skip_kind(skip) in (1, 2) else 1


def chunk_scan_triton(gk, gv, b, a, k, v, S0, reads, chunk=None, K=None, V=None, precision=ACCURATE,
                      return_states=False, out_dtypes=None, force_chunk=False, fold=None, exact_u=True, wy=None,
                      states=None, heads=1, reversed_reads=False, low_u=False, low_h=False, fold_reads=(),
                      keep_scores=None, flipped_scores=None, read_scales=None, reversed_gates=False,
                      reversed_sources=False, wy_inverse=False, tile_bf16=False, kernel_scores=None, cum=None,
                      skips=None, value_scale=None, keep_u=True, gated_rows=16, fold_b_unmade=False,
                      boundary=None):
    """Triton version of engine.chunk_scan (same arguments and results; out_dtypes optionally sets each read's
    output dtype, fp32 by default; force_chunk uses the given chunk instead of the engine's choice, so that the
    backward's scans line up with the forward's chunks). Computes in fp32; precision is the state pass's and reads' matrix-product
    mode: "tf32x3" (fp32-accurate), "tf32", or "bf16" (operands rounded to bf16, for bf16/fp16 inputs).
    The WY system uses the accurate mode for fp32 inputs and tf32 otherwise; the state pass when there are rank-one
    factors (its pseudo-values u feed the backward's gate gradients) always uses the accurate mode.
    fold (one rank-one factor and one input whose key k' gives b = -s k', as the codegen finds in a delta rule):
    True for s = 1, or s as an [N, T] tensor; the state pass then takes the two update terms as one product.
    exact_u (rank-one factors, low-precision inputs): the pseudo-values u feed gate gradients (the forward under
    autograd saves them; the backward's passes), so with decay gates the state pass multiplies in tf32; False (a
    forward without gradients) lets it multiply in bf16 as fla's does.
    wy (rank-one factors without a value gate): a list shared by scans of the same inputs and chunk, the forward and
    the backward's rescan: the first fills it with the WY system's W and U0, a later one with the same chunk, solve
    precision and dtype reuses them instead of solving again (LINDSL_TUNE_WY_REUSE=0 solves every time); with
    wy_inverse the WY kernel also keeps (I - M)^-1 there (wy[5], [N, NC, L, L]: the chunk-level adjoint's, in
    _tinv_dtype).
    states: (h, u, S_T) of an earlier scan of the same inputs and chunk with return_states (every chunk's state):
    only the reads run, from those states (the backward runs its rescan's state pass before the adjoint, which
    reads the exact u, and its reads after); h None: the reads leave the state term out (their pair terms alone;
    scalar or no gates: _read_kernel's tensor-core path).
    heads: every per-token tensor (gates, factors, inputs, reads, fold) is [B, T, heads, ...] instead of [N, T, ...]
    with N = B heads (the callers' [B, T, H, D] layout, read in place: no layout copy), and so are the reads'
    results and u; no value gate (token_layout_ok).
    reversed_reads: the scan runs over reversed time (the backward's adjoint, its inputs flipped and padded to whole
    chunks) but the reads' vectors are the callers' tensors in their own order, of their own length (at most T), and
    so are the results: scan position p reads and writes token T - 1 - p (_reader_rows; no flipped copies).
    low_u (rank-one factors, low-precision inputs, no gates or exact_u False): the pseudo-values u stored in bf16 (the
    forward's scan and the backward's rescan; the adjoint's own u, in bf16, put DeltaNet's dv at 1.0e-2 against
    6.5e-3 at K = 16). low_h (the chunk-level adjoint's rescan): the chunk-start states in bf16 with a scalar key
    gate too (LINDSL_TUNE_CA_H_BF16=0 keeps them fp32; session 46, H200: Gated DeltaNet forward+backward
    1x8192x96x128 10.35 -> 10.10 ms, 2x16384x16x128 7.14 -> 6.89, checks green at gate x1 and x10); rank-one
    factors only.
    A read may carry a fourth element (vec, sign, g) for a gate gradient's gauge term of its result: the read's
    kernel writes sign * sum_o vec_to out_to per token into g (the vector's layout without its last dimension) from
    its fp32 result, which may then be stored in a low-precision out_dtype (_read_kernel's tensor-core path only).
    fold_reads: the indices of reads whose vector is -s x for the given x (s: the fold's; the delta rule's
    du = -s dv read from dv): _read_kernel's tensor-core path scales its result rows by -s, every other path
    negates its read scale (s = 1) or reads a scaled copy of x.
    keep_scores: {read: None} for the reads whose pair scores to keep, filled with {read: A} where the read is
    sub-chunked (_sub_read: the forward's for its adjoint, the adjoint's for the rescan). flipped_scores: {read: A}
    such scores of the scan over the reversed time (the forward's, given to its adjoint, or the adjoint's, given to
    the rescan: their chunks line up) of one source pair and one reader, with the same vectors as this read's
    swapped: the read takes them transposed and flipped instead of making its own (the read-outs' AFLIP).
    read_scales: per read a constant (or None) its result is multiplied by, a gauge term's too (the codegen's read
    coefficients: a spec's S^T (scale * q) read as q): the read kernels apply it as they store the result (OSCALE);
    reads fused into the state pass whose constants differ read copies of their vectors times the constants instead
    (merged readers take one constant each). reversed_gates: gk and gv are the callers' log-gates
    in their own order (at most T tokens) and position p takes token T - p's, zero past their end: the adjoint's
    gates, shifted by one token and flipped, without the copy (_chunk_cumsum_kernel's REV).
    reversed_sources (with reversed_reads and force_chunk; no rank-one factors or value gate): the inputs k, v too
    are the callers' tensors, as long as the reads' vectors (of their own length without reads) and in their own
    order (the adjoint's x and dO, not their flipped and padded copies): the scan's positions are the tokens padded
    to whole chunks, and position p takes token T - 1 - p of them. The kernels read them so, but for a
    per-dimension gate's reads without the sub-chunked read-outs, which take a flipped copy (time_reversed).
    tile_bf16: every read without rank-one factors (kernelized ones included) multiplies two loaded bf16 tiles in bf16
    as the rank-one reads do (_tile_prec); without it so do those reads but the kernelized ones, by default
    (LINDSL_TUNE_R0_TILE_BF16=0: tf32 for all of them).
    kernel_scores: {read: (xb, kb, coefficients)} for key-side reads whose pair scores x_t . k_s are the polynomial
    sum_p coefficients[p] (xb_t . kb_s)^p (lindsl.passes.kernelize; degree <= 4; xb laid out as the read's vector, kb
    as k, one input and no rank-one factors or per-dimension gates): the read kernel makes the scores from the base
    rows (_kernelized_scores) instead of the feature rows, and those reads leave the fused pass and read alone.
    cum: GateSums, the key gate's sums within chunks made by the caller (the per-row prologue's chunked kernel, an
    earlier scan); over forward time, taken where they serve this scan (its chunk, and the exclusive sums where it
    needs them), else _cum makes them; over reversed time (reversed_at = this scan's T, reversed_gates), taken as
    given whatever gk is (gk then only says the gate's kind), an error where they are not this scan's.
    skips: {read: (y, c, per_token)} for key-side reads of a scan without per-dimension or value gates (not
    reversed_reads): the read's result plus its output's skip term c y (Mamba-2's o = S^T q + D v), added as the
    kernel stores it (_skip_term), so the result is that output: y laid out as the result; c the heads'
    coefficients, [heads] or [heads, V], the rows' head their sequence's index modulo heads (the [B, T, H] layout, or
    [N, T] with N = B H), or with per_token each token's, laid out as a per-token scalar.
    value_scale (one input pair, no rank-one factors, no per-dimension or value gates, key-side reads, a forward
    scan): a per-token scalar s ([N, T] or [B, T, heads]) the input pair's value rows are weighed by where the kernels
    take them (the state's update and the reads' pair terms): the scan of v' = s v from v, no v' in memory (Mamba-2's
    dt v).
    keep_u=False (a caller that does not take u: the forward on the Triton engine, whose backward makes u again):
    with the fold (LINDSL_TUNE_FOLDED_VALUES, on by default), no stored states asked for and the reads not in the state pass, the
    state pass stores the fold's value rows v' - s u (fla's v_new) where u would go, and the reads take the one pair
    (k', v' - s u) as a scan without rank-one factors reads its input pair (no u, s or v' tiles); u is then None.
    gated_rows: the rows per program of the sub-chunked reads' gated read-outs without rank-one factors (16, or 64: a
    whole chunk; LINDSL_TUNE_GATED_ROWS overrides).
    fold_b_unmade (with the fold): b is a stand-in of b's shape and dtype, the caller made no -s k' (the rows
    prologue of a call without gradients leaves it unwritten); the kernels that load b as this scan configures them
    take it made here from k' and s (once, _fold_b), the others never load it.
    boundary (a key gate, no value gate, the state pass run here): {"h": the other scan's chunk states [N, NC, K, V],
    "rowsum": a scalar gate's, "adjoint": this scan is the backward's adjoint}; the state pass adds "sums", the gate
    gradient's boundary sums chunk_boundary_sums_triton(adjoint's states, rescan's states, rowsum=rowsum)[0]
    ([N, NC - 1, 1] or [N, NC - 1, K], fp32), made from its state in registers: this scan's states are not read back
    for them. The rescan (no "adjoint") takes the adjoint's states, the adjoint the rescan's."""
    if fold_b_unmade and (fold is None or fold is False or b is None or k is None):
        raise ValueError("fold_b_unmade needs the fold (b = -s k') and a stand-in for b")
    precision = _for_interpreter(precision)
    # the gauge terms' vectors as the kernels index them (contiguous: a caller's view, e.g. MoM's read vector shared
    # by its memories, would be read at the wrong places)
    gauges = [None if len(r) <= 3 or r[3] is None else (_data(r[3][0], None),) + tuple(r[3][1:]) for r in reads]
    reads = [tuple(r[:3]) for r in reads]
    scales = [1.0 if c is None else float(c) for c in (read_scales or [None] * len(reads))]
    ref = k if k is not None else b
    dev = ref.device
    HS = int(heads)
    lead = _lead_dims(HS)
    N, T = ref.shape[0] * HS, ref.shape[1]
    K = K or ref.shape[-1]
    V = V or v.shape[-1]
    R = b.shape[lead] if b is not None else 0
    P = k.shape[lead] if k is not None else 0
    GK = 0 if gk is None else (1 if gk.dim() == lead else 2)
    GV = 0 if gv is None else 2
    loop = GK == 2 or GV == 2
    if kernel_scores:
        _check_kernel_scores(kernel_scores, reads, loop, R, P, fold)
    skips = dict(skips or {})
    if skips:
        _check_skips(skips, reads, loop, reversed_reads, N, HS, T, V)
    if value_scale is not None and (R or P != 1 or loop or reversed_reads or reversed_sources or states is not None
                                    or any(side != "k" for side, _, _ in reads)
                                    or tuple(value_scale.shape) != per_token_shape(N, T, HS)
                                    or not value_scale.is_contiguous()):
        raise ValueError(f"value_scale: a contiguous per-token scalar {list(per_token_shape(N, T, HS))} for one input "
                         f"pair without rank-one factors or per-dimension gates, key-side reads of a forward scan; "
                         f"got {list(value_scale.shape)} with R={R}, P={P}")
    TS = k.shape[1] if reversed_sources and k is not None else None  # the sources' own tokens
    if reversed_sources:
        if not (reversed_reads and force_chunk) or R or GV:
            raise ValueError("reversed_sources needs reversed_reads and force_chunk, and takes no rank-one factors or "
                             "value gate")
        T = _cdiv(T, int(chunk)) * int(chunk)  # the scan's positions: the padded reversed time
    if HS > 1 and not token_layout_ok(T, HS, K, V, R, P, GK, GV):
        raise ValueError(f"the [B, T, H, ...] token layout (heads={HS}) needs no value gate and fewer than 2^31 "
                         f"elements per tensor; got key gate {GK}, value gate {GV}, T={T}, K={K}, V={V}")

    def per_token(*inner, T=T):
        return (N, T) + inner if HS == 1 else (N // HS, T, HS) + inner
    TX = reads[0][2].shape[1] if reversed_reads and reads else (TS or T)  # the readers' (and reversed sources') tokens
    if TX > T or any(x.shape[1] != TX for _, _, x in reads):
        raise ValueError(f"reversed_reads: every read's vector needs the same number of tokens, at most the scan's "
                         f"{T}; got {[x.shape[1] for _, _, x in reads]}")
    if reversed_sources and any(x is not None and x.shape[1] != TX for x in (k, v)):
        raise ValueError(f"reversed_sources: k and v need the reads' {TX} tokens; got {k.shape[1]}, {v.shape[1]}")
    C = int(chunk) if force_chunk else triton_chunk(gk, gv, b, k, V, HS)
    sub = loop and _sub_chunked(b, k, V) and C % 16 == 0
    NC = max(1, _cdiv(T, C))
    Tp = NC * C
    f32 = torch.float32
    BND = _boundary_in_pass(boundary, GK, GV, states, N, NC, K, V)
    # the cumulative gates in chunks of C, except for reads from given states in chunks of 16 with rank-one factors
    # and per-dimension gates, which take them in chunks of 64 (sub_r1 below): one launch fewer in the backward
    # (rank-one factors and per-dimension gates never fuse their reads into the state pass: sub_r1 needs no `fused`)
    sub_r1 = bool(R and loop and reads and C in (16, 64) and _knob("SUBCHUNK_R1", 1))
    shared_read = shared_scores = None  # a read whose pair scores the WY system makes (SHARED_SCORES)
    reads_at_64 = states is not None and sub_r1 and C == 16
    # the exclusive sums serve reads before the update and the WY system only
    exclusive = bool(R) or any(timing == "before" for _, timing, _ in reads)
    rev_g = T if reversed_gates else None
    if reversed_gates and any(g is not None and g.shape[1] > T for g in (gk, gv)):
        raise ValueError(f"reversed_gates: the gates need at most the scan's {T} tokens; got "
                         f"{[g.shape[1] for g in (gk, gv) if g is not None]}")
    if cum is not None and cum.reversed_at is not None and (reads_at_64 or not cum.serves(C, exclusive, rev_g)):
        # (the caller's gk need not be the gate they were made from: chunk_adjoint_triton's zeroed chunk starts)
        raise ValueError(f"cum's reversed sums (chunk {cum.chunk}, reversed at {cum.reversed_at}) are not this "
                         f"scan's (chunk {C}, reversed_gates at {rev_g}{', exclusive sums' if exclusive else ''})")
    if reads_at_64:
        G = Gex = None
    elif cum is not None and cum.serves(C, exclusive, rev_g):
        G, Gex = cum.G, cum.Gex
    else:
        G, Gex = _cum(gk, C, Tp, HS, exclusive, rev=rev_g)
    Gv, Gvex = (None, None) if reads_at_64 else _cum(gv, C, Tp, exclusive=exclusive, rev=rev_g)
    dummy = _dummy(dev)

    def c32(x):
        return dummy if x is None else x.to(f32).contiguous()

    a_, b_, k_, v_ = _data(a, dummy), _data(b, dummy), _data(k, dummy), _data(v, dummy)
    G_, Gex_, Gv_, Gvex_ = c32(G), c32(Gex), c32(Gv), c32(Gvex)
    made_b = []

    def b_loaded():
        """b for a kernel that loads it: the caller's, or (fold_b_unmade) -s k' made once here."""
        if not fold_b_unmade:
            return b_
        if not made_b:
            made_b.append(_fold_b(k_, fold))
        return made_b[0]
    BK, BV = _p2(K), _p2(V)
    BL, BLP = _p2(C * max(R, 1)), _p2(C * max(P, 1))
    # the rank-one state pass for low-precision inputs: bf16 products (as fla's) unless u feeds gate gradients,
    # tf32 then (session 8 at 4x8192x16x128: bf16 takes DeltaNet's forward 3.23 -> 2.74 ms with checks green, but
    # puts Gated DeltaNet's gate gradient at 7.4e-2 and KDA's at 2.3e-2, over the 2e-2 tolerance: NOTES.md, v10);
    # tf32x3 for fp32 inputs (tf32x3 spills 600 bytes at C = 64, K = 128)
    low_state = "bf16" if not exact_u or not (GK or GV) else "tf32"
    state_prec = precision
    if R:
        state_prec = _for_interpreter(_knob("STATE_PREC", ACCURATE if precision == ACCURATE else low_state))
    W = U0 = Bd = Kd = dummy  # Bd, Kd: the state pass's sources decayed to the chunk's end (_prep_kernel's DECAY)
    keep_t_only = False  # WY_KEEP=0: the forward's W and U0 let go (below)

    def wy_kblock(W, U0, Tinv, load_t=False):
        """_prep_kblock_kernel's launch (no or a scalar key gate): W, U0, and T into Tinv (or, load_t, from it)."""
        # in key and value blocks of 32, with the fold (b = -s k') M = -(a k^T) diag(s) from the one product the
        # right-hand side needs anyway (session 43, call 1, against whole tiles and M from b's tile, each variant in
        # its own process, checks green at gate x1 and x10: forward at 2x16384x16x128 DeltaNet 1.643 -> 1.440 ms,
        # Gated DeltaNet 1.942 -> 1.674; at 1x8192x96x128 2.172 -> 1.885, 2.625 -> 2.250; blocks of 64 1.478,
        # 1.719, 1.930, 2.299; the fold alone 1.614, 1.851, 2.092, 2.498; ptxas: 156 and 180 registers against 222
        # and 251). LINDSL_TUNE_WY_KBLOCK, _WY_FOLD=0 override. a b^T and a k^T in bf16 where the tiles are
        # (_tile_prec)
        tile_prec = _tile_prec(wy_prec, "WY_TILE_BF16", a_, b_, *((k_,) if P else ()))
        kblock = max(16, _p2(_knob("WY_KBLOCK", 32)))  # at least 16: a tensor-core product's K
        m_from_n = FOLD if _knob("WY_FOLD", 1) else 0
        _prep_kblock_kernel[(NC, N)](a_, b_ if m_from_n else b_loaded(), k_, v_, G_, Gex_, W, U0, fold_s, Tinv, T,
                                     Tp, NC, HS, K=K, V=V, C=C,
                                     R=R, P=P, BL=BL, BLP=BLP, BKB=min(BK, kblock), BVB=min(BV, kblock),
                                     GK=GK, PREC=wy_prec, PREC_T=tile_prec, SOLVE=_knob("WY_SOLVE", wy_solve),
                                     LOG2=(BL - 1).bit_length(), STORE_T=Tinv is not dummy and not load_t,
                                     M_FROM_N=m_from_n, LOAD_T=load_t, num_stages=_knob("WY_STAGES", 1),
                                     num_warps=_mma_warps(_knob("PREP_WARPS", 4), min(BL, BK, BV, kblock)))
    decayed = False  # whether the WY kernel makes (or made) Bd, Kd
    # the WY system in fp32-accurate products for fp32 inputs, one tf32 product for bf16/fp16 inputs (measured on
    # the H200: deltanet forward 11.3 -> 9.2 ms, the bf16 suite still green; benchmarks/NOTES.md, v4)
    wy_prec = _knob("WY_PREC", ACCURATE if precision == ACCURATE else "tf32")
    # (I - M)^-1 by doubling products in tf32 (deltanet forward 9.3 -> 7.4 ms, checks green at gate x10); by
    # forward substitution in the accurate mode, where doubling in tf32x3 measured slower (NOTES.md, v6). Without a
    # per-dimension key gate and with at least four 16-row blocks, through the diagonal blocks (_unit_lower_inverse_
    # blocked: four chunk-sized products instead of ten; session 23, call 1, 2x16384x16x128, each variant in its own
    # process, checks green: DeltaNet forward 1.704 -> 1.651 ms, forward+backward 7.037 -> 6.946, Gated DeltaNet
    # 1.943 -> 1.929, 11.026 -> 11.025; KDA, whose WY kernel also decays its rows, 3.506 -> 3.596, 21.332 -> 21.371,
    # keeps doubling). LINDSL_TUNE_WY_SOLVE overrides
    wy_solve = _wy_solve(wy_prec, BL, GK)
    # W and U0 (the WY system's output, read once per value block by every state pass) in bf16 for low-precision
    # inputs, as fla keeps w and u: half their bytes and shared memory per pipeline stage (session 8, 4x8192x16x128:
    # Gated DeltaNet and DeltaNet -5 % forward, -3 % forward+backward; KDA with three stages -6 %, checks green:
    # benchmarks/NOTES.md, v10). LINDSL_TUNE_WY_BF16=0 keeps them in fp32
    wy_dtype = torch.bfloat16 if precision != ACCURATE and _knob("WY_BF16", 1) else f32
    # the delta rule's update as one product (benchmarks/NOTES.md, v9: FOLD=0 is 10-25 % slower forward);
    # LINDSL_TUNE_FOLD=0 turns it off for a comparison
    FOLD = 0 if fold is None or fold is False or (R, P) != (1, 1) or not _knob("FOLD", 1) else (1 if fold is True else 2)
    fold_s = c32(fold) if FOLD == 2 else dummy
    # reads of -s x (fold_reads): their result rows scaled in _read_kernel's tensor-core path (never fused into the
    # state pass), else read from a scaled copy of x (session 24, call 3, Gated DeltaNet at 2x16384x16x128, each
    # variant in its own process: forward+backward 9.853 -> 9.758 ms against the copy; LINDSL_TUNE_FOLD_IN_READS=0
    # makes the copy)
    in_kernel_fold = bool(FOLD) and not loop and not reversed_reads and bool(_knob("FOLD_IN_READS", 1))
    if fold_reads and not in_kernel_fold and fold is True:
        # s = 1: -x read as x, the result negated (every read path multiplies its results by its read scale, a gauge
        # term's too), not from a negated copy of x (KDA's rescan: one [B, T, H, V] copy fewer)
        scales = [-c if i in fold_reads else c for i, c in enumerate(scales)]
    elif fold_reads and not in_kernel_fold:
        reads = _scaled_copies(reads, fold_reads, fold)
    fold_reads = frozenset(fold_reads) if in_kernel_fold else frozenset()
    if states is None and R and GV:
        L = C * R
        W = _empty(N, NC, V, L, K, device=dev, dtype=wy_dtype)
        U0 = _empty(N, NC, L, V, device=dev, dtype=wy_dtype)
        _prep_col_kernel[(NC, N, V)](a_, b_loaded(), k_, v_, G_, Gex_, Gv_, W, U0, T, Tp, NC, K=K, V=V, C=C, R=R, P=P,
                                     BL=BL, BK=BK, GK=GK, PREC=wy_prec, num_stages=1,
                                     num_warps=_mma_warps(_knob("PREP_WARPS", 4), min(BL, BK)))
    elif states is None and R and wy and wy[0] == (C, wy_prec, wy_dtype) and _knob("WY_REUSE", 1):
        W, U0, Bd, Kd = wy[1:5]
        decayed = Bd is not dummy or Kd is not dummy
        if W is None:  # kept as T alone (WY_KEEP=0): W and U0 made again from it, as the forward made them
            W = _empty(N, NC, C * R, K, device=dev, dtype=wy_dtype)
            U0 = _empty(N, NC, C * R, V, device=dev, dtype=wy_dtype)
            wy_kblock(W, U0, wy[5], load_t=True)
            wy[1:3] = [W, U0]
    elif states is None and R:
        L = C * R
        W = _empty(N, NC, L, K, device=dev, dtype=wy_dtype)
        U0 = _empty(N, NC, L, V, device=dev, dtype=wy_dtype)
        blocked = GK == 2 and R == 1 and P <= 1 and C > 16 and C % 16 == 0
        decay_knob = _knob("STATE_DECAYED", 1)
        low_pass = state_prec.startswith("bf16") and wy is None
        if blocked and (decay_knob == 2 or (decay_knob and low_pass)):
            # a bf16 state pass whose WY system no later pass reuses (a forward without autograd) takes its sources
            # decayed to the chunk's end, made here once per chunk in bf16 (fla's kg), instead of decaying them in
            # every value block from the chunk's [C, K] gate tile; in 16-wide value blocks (128 registers instead of
            # 222, ptxas). Session 22, call 2, 2x16384x16x128, each variant in its own process, checks green at gate
            # x1 and x10: KDA forward 3.901 -> 3.578 ms, 3.508 with 16-wide blocks; RWKV-7 4.878 -> 4.639. Not in the
            # passes of a forward+backward: with fp32 decayed sources there (a bf16 tile converted in a tf32 pass
            # spills) KDA's forward+backward went 21.301 -> 24.044 ms, RWKV-7's 25.458 -> 29.211, 16-wide blocks in
            # every pass 28.340. LINDSL_TUNE_STATE_DECAYED=0 keeps the decay in the pass; =2 decays in every pass
            # (fp32 sources where the pass is not a bf16 one; to profile that loss)
            dec_dtype = torch.bfloat16 if low_pass else f32
            Bd = dummy if FOLD else _empty(*b_.shape, device=dev, dtype=dec_dtype)
            Kd = _empty(*k_.shape, device=dev, dtype=dec_dtype) if P else dummy
            decayed = True
        keep_t_only = wy_inverse and wy is not None and GK != 2 and not _wy_keep_rows()
        Tinv = (_empty(N, NC, L, L, device=dev, dtype=f32 if keep_t_only else _tinv_dtype(precision, K))
                if wy_inverse and wy is not None else dummy)
        if wy is not None:
            wy[:] = [(C, wy_prec, wy_dtype), W, U0, Bd, Kd] + ([Tinv] if Tinv is not dummy else [])
        Mp = Np = dummy
        if blocked:
            # the decayed pair products M = a (b decayed)^T and a k^T below the diagonal are the pair scores of reads
            # before the update by x = a (exclusive gates) of the sources b and k; with the fold (b = -s k') only
            # a k^T, whose columns scaled by -s give M. The same launches also make, from the same exponentials
            # (_sub_scores's x2), the pair scores of the scan's key-side read after the update (KDA's and RWKV-7's
            # output read: the same sources and gates) for that read's _sub_read (session 22, call 1, KDA at
            # 2x16384x16x128, each variant in its own process, checks green: forward 4.258 -> 3.902 ms,
            # forward+backward 21.721 -> 21.340). LINDSL_TUNE_SHARED_SCORES=0: the read makes its own
            # (only where the read takes all its source pairs in one _sub_read: the fold's one pair, b's alone, or
            # two pairs per launch)
            share = (_knob("SHARED_SCORES", 1) and sub_r1 and states is None and C == 64 and not reversed_reads
                     and (FOLD or P == 0 or _knob("SUB_PAIRS", 2) == 2))
            shared_read = next((i for i, (side, timing, _) in enumerate(reads) if (side, timing) == ("k", "after")),
                               None) if share else None
            made = _sub_scores(a_, k_ if FOLD else b_loaded(), k_, Gex_, G_, N, T, Tp, C, HS, T, K, GK, True, wy_prec,
                               P > 0 and not FOLD, False,
                               x2=None if shared_read is None else _data(reads[shared_read][2], dummy))
            A, A2 = made[:2]
            shared_scores = made[2:] if shared_read is not None else None
            Mp, Np = (dummy, A) if FOLD else (A, A2 if P else dummy)
        if GK != 2:
            wy_kblock(W, U0, Tinv)
        else:
            # value blocks of U0 per program: the whole value row (LINDSL_TUNE_PREP_BV narrower: more programs, each
            # solving the chunk's system again; session 24, call 1, Gated DeltaNet at 2x16384x16x128 with 64:
            # forward 1.924 -> 2.294 ms; KDA not measured)
            prep_bv = min(BV, _p2(_knob("PREP_BV", BV)))
            _prep_kernel[(NC, N, _cdiv(V, prep_bv))](a_, b_ if blocked and FOLD else b_loaded(), k_, v_, G_, Gex_,
                                                     W, U0, Mp, Np, fold_s, Bd, Kd, Tinv, T, Tp, NC, HS, K=K, V=V,
                                                     C=C, R=R, P=P, DECAY=decayed,
                                                     BL=BL, BK=BK, BV=prep_bv, GK=GK, PREC=wy_prec,
                                                     SOLVE=_knob("WY_SOLVE", wy_solve),
                                                     LOG2=(BL - 1).bit_length(), BLOCKED=blocked,
                                                     MFOLD=FOLD if blocked else 0, SPLIT_V=prep_bv < BV,
                                                     STORE_T=Tinv is not dummy, num_stages=1,
                                                     num_warps=_mma_warps(_knob("PREP_WARPS", 4), min(BL, BK, prep_bv)))
            # the WY system's pair scores are done with (a shared read keeps its own, shared_scores): freed before
            # the state pass and the reads (KDA's adjoint scan held 268 MB of them to its end, mem_cpu)
            made = A = A2 = Mp = Np = None
    # the forward's reads inside the state pass (one kernel), except:
    # - with rank-one factors, where the reads lengthen the state pass's sequential chain more than a separate
    #   parallel read kernel costs (2x16384x16x128 profile: Gated DeltaNet's state pass 3.66 ms fused, 2.05 + 1.00 ms
    #   of reads unfused; forward at 4x8192x16x128 4.43 -> 4.05 ms, checks green: benchmarks/NOTES.md, v8);
    # - with a scalar key gate, few programs and long sequences, where the fused pass's chain is the bottleneck
    #   (session 11, call 5, 4x8192x16x128 with 128 fused programs: RetNet's forward 0.96 -> 0.83 ms unfused, 0.72
    #   with bf16 chunk states, Mamba-2's 1.17 -> 1.14 and 1.00. The table, call 6, unfused with bf16 states against
    #   the fused pass of sessions 9-10: RetNet 1.70 -> 1.54 ms at 1x8192x96x128 with 192 programs and 0.94 -> 0.82
    #   at 2x16384x16x128 with 64, but 1.24 -> 1.54 at 4x4096x64x128 with 512, and 0.38 -> 0.43, 0.41 -> 0.47 at
    #   T = 2048 and 1024, where the host's time dominates and the read kernel is one launch more; K = 256 not
    #   measured).
    # LINDSL_TUNE_FUSE_READS=0/1 overrides. Programs per SM decide this and the value blocks below for scalar key
    # gates without rank-one factors (K = 256 not measured)
    occupancy_rules = GK == 1 and not R and K <= 128
    sms = _sm_count(dev)
    # The fused pass holds whole key rows: above K = 256 (Based's 273, padded to 512) ptxas spills 2.5-3.1 KB a thread
    # and it is slow; there the stored states and the read kernel, in chunks of 32 (triton_chunk: in chunks of 64 its
    # bf16 products were wrong on the H200). Session 50, Based at 8x2048x16 (K 16, V 64), checks PASS: forward 3.72 ->
    # 1.64 ms, forward+backward 8.00 -> 6.32 (fused in chunks of 64 -> unfused in chunks of 32; fused in chunks of
    # 32: 5.18, 9.88)
    # Kernelized scores (kernel_scores) take the read kernel too (the fused pass makes the scores from the feature
    # rows): session 51, call 3, on an H100, Based at K = 8 (F = 73) 8x2048x16, forward kernels 0.543 ms fused ->
    # 0.362 kernelized, forward+backward 2.057 -> 1.836. LINDSL_TUNE_FUSE_READS=1 fuses them (scores from the
    # feature rows)
    fused = (forward_reads_fuse(N, T, K, V, R, GK, bool(kernel_scores), dev) and not loop
             and not return_states and bool(reads) and all(side == "k" for side, _, _ in reads) and states is None
             and not reversed_reads and not fold_reads and len(skips) <= 1)
    # the delta rule's forward reads (keep_u False) of the one pair (k', v' - s u) from the value rows the state pass
    # stores in u's place, as fla's output kernel reads its v_new: the read kernel loads k' and those rows instead of
    # k', v', u and s, and multiplies no fp32 v' - s u tile. Session 60, call 1, on an H100, each in its own process,
    # checks green: Gated DeltaNet forward 3.435 -> 3.143 ms at 4x4096x64x128, 1.894 -> 1.749 at 2x16384x16x128;
    # DeltaNet 3.077 -> 2.987, 1.654 -> 1.612; KDA (sub-chunked reads) 3.863 -> 3.829 at 2x16384x16x128; forward+
    # backward 0.5-2 % less. LINDSL_TUNE_FOLDED_VALUES=0 turns it off
    folded_values = (not keep_u and bool(FOLD) and states is None and not return_states and not fused
                     and bool(reads) and (not loop or sub_r1) and not reversed_reads and not reversed_sources
                     and not fold_reads and bool(_knob("FOLDED_VALUES", 1)))
    # the fused pass adds one read's skip term (SKIP_READ), the read kernel its own read's
    skip_read = next(iter(skips), 0)
    skip_y, skip_c, _ = skips.get(skip_read, (dummy, dummy, False))
    vs_ = dummy if value_scale is None else value_scale
    if fused and len(set(scales)) > 1:
        reads, scales = _unscaled(reads, scales, range(len(reads)))
    # chunk-start states in bf16 for low-precision inputs with per-dimension or no key gates and no rank-one factors
    # (half the reads' state traffic: gla fwd+bwd 23.1 -> 20.5 ms, checks green at gate x10), and with a scalar key
    # gate in the forward (return_states False): in the backward's passes bf16 states put Mamba-2's dA (its gradient
    # sums K x V cancelling terms) at 3.7e-2, over the 2e-2 tolerance (session 6; again in session 11, call 5);
    # fp32 otherwise: Gated DeltaNet's gate gradient was 5e-2 with them (benchmarks/NOTES.md, v6). With rank-one
    # factors: bf16 in the forward (no gradient reads its states) and without gates (session 13, call 2,
    # 4x8192x16x128, checks green: DeltaNet forward 2.07 -> 1.95 ms, forward+backward 9.93 -> 9.51; Gated DeltaNet
    # forward 2.22 -> 2.10, but in its backward dg 5.3e-2). LINDSL_TUNE_H_BF16 overrides
    # (the chunk-level adjoint's rescan, low_h: under it the interpreter measured Gated DeltaNet's dg unchanged with
    # bf16 states, 5.07e-3 / 6.65e-3 at gate x1 / x10 against 5.02e-3 / 6.12e-3 at 2x1024x2x128; session 44)
    h_bf16 = ((not return_states or not (GK or GV) or (low_h and GK == 1 and not GV and bool(_knob("CA_H_BF16", 1))))
              if R else (GK != 1 or not return_states))
    h_dtype = torch.bfloat16 if precision != ACCURATE and _knob("H_BF16", int(h_bf16)) else f32
    # reads of rank-one specs with per-dimension gates in chunks of 64: the state pass stays in chunks of 16, the
    # reads take its u and, unless the caller wants every chunk's state, it stores only every fourth state (session 8,
    # 4x8192x16x128: KDA forward+backward -10 %, RWKV-7 -8 %, checks green: NOTES.md, v10); in chunks of 64
    # (_r1_chunk64) every state. LINDSL_TUNE_SUBCHUNK_R1=0 keeps the chunks-of-16 pair-loop reads
    h_every = 64 // C if sub_r1 and not return_states and states is None else 1
    NCH = _cdiv(NC, h_every)
    # the pseudo-values u in bf16 where no gate gradient sums over them (low_u with low-precision inputs, and no
    # gates or exact_u False), as fla keeps its v_new: each read that takes them loads half the bytes (session 19,
    # call 3, DeltaNet at 2x16384x16x128, each variant in its own process, checks green at gate x1 and x10: forward
    # 1.913 -> 1.870 ms, forward+backward 7.895 -> 7.750, peak 4046 -> 3918 MB). LINDSL_TUNE_U_BF16=0 keeps fp32
    u_dtype = (torch.bfloat16 if low_u and precision != ACCURATE and (not (GK or GV) or not exact_u)
               and _knob("U_BF16", 1) else f32)
    # chunk states go to memory for the reads after the pass and for a caller that wants them; a scan without
    # either (the sequence-parallel summary's state pass) keeps them in registers
    store_h = not fused and (bool(reads) or return_states) and states is None
    has_h = states is None or states[0] is not None
    if not has_h and loop and not (sub and not R and _knob("SUB_AMAT", 1)):
        raise ValueError("reads without the state term (states=(None, ...)) take scalar or no gates, or a "
                         "per-dimension gate without rank-one factors (the sub-chunked read-outs)")
    if states is not None:
        h, u, ST = states
        h = h if has_h else dummy
        u = u if R else dummy
    else:
        h = _empty(N, NCH, K, V, device=dev, dtype=h_dtype) if store_h else dummy
        u = _empty(*per_token(R, V), device=dev, dtype=u_dtype) if R else dummy
        ST = _empty(N, K, V, device=dev, dtype=f32)
    xs = _stack_reads(reads) if fused else dummy
    out_dtypes = list(out_dtypes) if out_dtypes is not None else [f32] * len(reads)
    one_dtype = out_dtypes[0] if len(set(out_dtypes)) == 1 else f32
    fused_out = _empty(len(reads), *per_token(V), device=dev, dtype=one_dtype) if fused else dummy
    before_mask = sum(1 << i for i, (_, timing, _) in enumerate(reads) if timing == "before") if fused else 0
    # bf16 forward without rank-one factors: 64-wide value blocks, two pipeline stages (the configuration of the
    # 0.33 ms scalar-decay kernel in the device notes); everything else keeps the fp32-sized blocks
    fast = fused and precision.startswith("bf16") and not R and not loop
    if R and precision.startswith("bf16"):
        # tf32 read products with rank-one factors. bf16 ones (LINDSL_TUNE_R1_READ_PREC=bf16) measured Gated
        # DeltaNet's forward 3.46 -> 3.21 ms and DeltaNet's 3.23 -> 3.09 with the GPU checks green, but under the
        # interpreter at K = V = 16 they put Gated DeltaNet's output error at 1.2e-2 against 1.7e-3 for the bf16
        # rounding of the output itself: the state term and the chunk's pair term cancel (NOTES.md, v10)
        precision = _for_interpreter(_knob("R1_READ_PREC", "tf32"))
    BKs, BVs, state_warps, stages = _state_pass_launch(N, K, V, C, R, GK, GV, FOLD, fused, fast, state_prec,
                                                       wy_dtype != f32, occupancy_rules, sms, decayed)
    if BND:
        # the boundary's loaded [BK, BV] fp32 tile on top of the state: in two warps ptxas spills (sm_90, bf16 inputs,
        # K = V = 128: Mamba-2's rescan pass 232 -> 916 B of spill stores, GLA's 8 -> 256), in four it does not (254
        # and 199 registers); LINDSL_TUNE_BND_WARPS overrides
        state_warps = _knob("BND_WARPS", max(state_warps, 4))
    if state_prec == "tf32" and GK == 1 and not GV and FOLD and wy_dtype == torch.bfloat16 and k_.dtype == torch.bfloat16:
        # the exact pass of a scalar key gate under the fold (Gated DeltaNet's backward rescan), whose products take
        # a bf16 tile (W, k') exact and the state or v' - s u in fp32: each as two bf16 products with the fp32
        # operand's high and low parts (_dot's hilo: about 16 bits of it, tf32's 11) where the launch rule for
        # K = 128 in chunks of 64 takes 32-wide value blocks (hilo's launch is tf32's; other K and chunks not
        # measured). Session 43, call 2, Gated DeltaNet, each variant in its own process, checks green (dg at gate
        # x10 9.9e-3 -> 8.1e-3 of 2e-2): at 2x16384x16x128 (128 programs of 32 columns) the pass 1.110 -> 0.673 ms
        # (ptxas 255 registers and 256 B of spill -> 250, none), forward+backward 7.834 -> 7.398; in 64-wide
        # blocks 10.732 -> 10.833 at 1x8192x96x128, 13.941 -> 14.023 at 4x4096x64x128 (tf32 kept there).
        # LINDSL_TUNE_EXACT_STATE_PREC overrides
        hilo = (K, BVs) == (128, 32) and C > 16
        state_prec = _for_interpreter(_knob("EXACT_STATE_PREC", "hilo" if hilo else "tf32"))
    if states is None:
        vadj = _grid_vadj(1)
        kadj = vadj and K > BKs and _grid_vadj(64)
        value_blocks, key_blocks = _cdiv(V, BVs), _cdiv(K, BKs)
        grid = ((N * value_blocks * key_blocks, 1, 1) if kadj else (N * value_blocks, 1, key_blocks) if vadj
                else (N, value_blocks, key_blocks))
        bsum = (_empty(N, NC - 1, value_blocks, key_blocks if BND == 1 else K, device=dev, dtype=f32) if BND
                else dummy)
        _state_kernel[grid](Bd if Bd is not dummy else b_ if FOLD and not fused else b_loaded(),
                                         k_ if Kd is dummy else Kd, v_,
                                         G_, Gv_, W, U0, c32(S0), h, u, ST, T, Tp, NC, Gex_, xs,
                                         fused_out, fold_s, HS, scales[0] if fused else 1.0, TX, skip_y, skip_c,
                                         _skip_heads(skips.get(skip_read)), vs_,
                                         boundary["h"] if BND else dummy, bsum,
                                         SKIP=_skip_kind(skips.get(skip_read)) if fused else 0, SKIP_READ=skip_read,
                                         VS=value_scale is not None, STORE_VNEW=folded_values,
                                         FOLD=FOLD,
                                         H_EVERY=h_every, DECAYED=decayed, SREV=reversed_sources,
                                         STORE_H=store_h, NREAD=len(reads) if fused else 0,
                                         BEFORE_MASK=before_mask, RPREC=precision, K=K, V=V, C=C,
                                         R=R, P=P, BL=BL, BLP=BLP, BK=BKs, BV=BVs, GK=GK, GV=GV,
                                         HAS_S0=S0 is not None, PREC=state_prec,
                                         COLW=bool(R and GV), VADJ=vadj, KADJ=kadj, BND=BND,
                                         BND_ADJ=bool(BND and boundary.get("adjoint")), num_stages=stages,
                                         num_warps=_mma_warps(state_warps, min(BKs, BVs)))
        if BND:
            # the programs' parts summed: [N, NC - 1, value blocks, key blocks or K]
            boundary["sums"] = bsum.flatten(2).sum(-1, keepdim=True) if BND == 1 else bsum.sum(2)
    W = U0 = Bd = Kd = None  # the state pass was their one reader (a later scan finds them in wy): freed before the reads
    outs = [fused_out[i] for i in range(len(reads))] if fused else []
    if sub_r1:
        # two pairs per launch share the scores' exponentials (LINDSL_TUNE_SUB_PAIRS=1: one pair per launch)
        r1_step = 2 if _knob("SUB_PAIRS", 2) == 2 else 1
        r1_C = 64
        r1_Tp = _cdiv(T, r1_C) * r1_C
        if C == r1_C:  # the scan's own cumulative gates
            r1_gates = (G_, Gex_, Gv_, Gvex_, Tp)
        else:
            r1_gates = tuple(c32(g) for g in _cum(gk, r1_C, r1_Tp, HS, rev=rev_g)
                             + _cum(gv, r1_C, r1_Tp, rev=rev_g)) + (r1_Tp,)
        if folded_values:  # the pair (k', v' - s u), its value rows stored by the state pass
            r1_pairs, r1_fold = [(k_.select(-2, 0), u.select(-2, 0))], None
        elif FOLD:
            # the pair (k', v' - s u), its value rows given as v' (_sub_read makes v' - s u where it is loaded)
            r1_pairs = [(k_.select(-2, 0), v_.select(-2, 0))]
            r1_fold = (u.select(-2, 0), fold_s, FOLD)
        else:
            r1_pairs = ([(b_loaded().select(-2, r).contiguous(), u.select(-2, r).contiguous()) for r in range(R)]
                        + [(k_.select(-2, p).contiguous(), v_.select(-2, p).contiguous()) for p in range(P)])
            r1_fold = None
    sub_amat = sub and _knob("SUB_AMAT", 1)
    # the reads' sources: reversed where they lie, except for the per-dimension gates' reads without the sub-chunked
    # read-outs (_read_sub_kernel, _read_kernel's LOOP), which take them flipped and padded as the adjoint would have
    # (the state pass above read them reversed)
    read_srev = reversed_sources and (sub_amat or not loop)
    if reversed_sources and not read_srev:
        k_, v_ = time_reversed(k_, T), time_reversed(v_, T)
    plain_reads = not loop  # _read_kernel's tensor-core path
    read_R = 0 if folded_values else R  # the reads' rank-one factors (none: the fold's pair from the stored rows)
    gated_gauges = [g if g is not None and len(g) == 5 else None for g in gauges]
    # _read_kernel sums a scalar gate's terms (vec, sign, g) per token; a per-element term (five elements) is made
    # by the gated read-outs or, for the pair-loop reads, summed from the result below (torch_gauged)
    scalar_gauges = [g if g is not None and len(g) == 3 else None for g in gauges]
    if any(g is not None and len(g) != 5 for g in gauges) and (fused or not plain_reads):
        raise ValueError("a read's gauge term is made only by _read_kernel's tensor-core path (scalar or no gates)")
    if any(gated_gauges) and (GK != 2 or GV):
        raise ValueError("a per-element gauge term (vec, sign, g, acc, shift) is one of a per-dimension key gate "
                         "without a value gate")
    partners = ({} if fused else _merged_plain_reads(reads, alone=kernel_scores) if plain_reads
                else _merged_gated_reads(reads, GK, GV) if sub_r1 or sub_amat else {})
    partners = {i: j for i, j in partners.items() if i not in skips and j not in skips}  # a skip's read alone
    read_outs = {}
    torch_gauged = {}  # read -> its dtype: per-element gauge terms no gated read-out makes, summed below in fp32
    for i_read, ((side, timing, x), odt) in enumerate([] if fused else zip(reads, out_dtypes)):
        if i_read in read_outs:  # read out with an earlier read (_merged_plain_reads, _merged_gated_reads)
            outs.append(read_outs.pop(i_read).to(odt))
            continue
        side_k = side == "k"
        if gated_gauges[i_read] is not None and not ((sub_r1 or sub_amat) and (GV if side_k else GK) == 2):
            torch_gauged[i_read], odt = odt, f32
        d_in, d_out = (K, V) if side_k else (V, K)
        x = _data(x, dummy)
        several = sub_r1 and len(r1_pairs) > r1_step  # several launches: summed in fp32
        out = _empty(*per_token(d_out, T=TX), device=dev, dtype=f32 if several else odt)
        also = None
        if i_read in partners:
            j_read = partners[i_read]
            also = (_data(reads[j_read][2], dummy),
                    _empty(*per_token(d_out, T=TX), device=dev, dtype=f32 if several else out_dtypes[j_read]))
            read_outs[j_read] = also[1]
        BO, BKI, read_stages = _read_launch(d_in, d_out, side_k, read_R, loop, precision)
        gin, gout = (GK, GV) if side_k else (GV, GK)
        if sub_r1:
            # rank-one factors with per-dimension gates: the state pass (chunks of 64, _r1_chunk64, or of 16) gave
            # the pseudo-values u, so each read is a plain linear read over the source pairs (b, u) and (k, v) (one
            # pair (k', v' - s u) with the fold), in chunks of 64 from every stored state (every fourth of chunks
            # of 16)
            rows = [(key_rows, value_rows) if side_k else (value_rows, key_rows) for key_rows, value_rows in r1_pairs]
            # gated read-outs a whole chunk per program (session 21, call 3, KDA at 2x16384x16x128, each variant in
            # its own process, checks green: forward+backward 22.580 -> 21.760 ms); GLA-like reads keep one 16-row
            # block per program (not measured there). LINDSL_TUNE_GATED_ROWS=16 / 64 overrides both
            for i in range(0, len(rows), r1_step):
                last = i + r1_step >= len(rows)  # the launch whose results are the sums: it makes the gauge terms
                _sub_read(x, *rows[i], r1_gates, h, out, side_k, timing == "before", gin, gout, N, T, K, V, r1_C,
                          NCH, r1_C // C // h_every, i == 0, i > 0, precision,
                          second=rows[i + 1] if r1_step == 2 and i + 1 < len(rows) else None, HS=HS, TX=TX,
                          rev=reversed_reads, fold=r1_fold, also=also, gated_rows=_knob("GATED_ROWS", 64),
                          whole_halves=True,
                          scores=shared_scores if i_read == shared_read else None,
                          gauges=(gated_gauges[i_read], gated_gauges[partners[i_read]] if also else None)
                          if last else (None, None), oscale=scales[i_read],
                          oscale2=scales[partners[i_read]] if also is not None else 1.0)
            outs.append(out.to(odt) if several else out)
            continue
        if sub_amat:
            # the pair scores once per chunk, then the read-out per value block on the tensor cores (block pairs
            # through a reference row for a returned-side gate); LINDSL_TUNE_SUB_AMAT=0: the one-kernel form below.
            given = (flipped_scores or {}).get(i_read)
            made = _sub_read(x, k_ if side_k else v_, v_ if side_k else k_, (G_, Gex_, Gv_, Gvex_, Tp), h, out,
                             side_k, timing == "before", gin, gout, N, T, K, V, C, NC, 1, has_h, False, precision,
                             wide=True, HS=HS, TX=TX, rev=reversed_reads, also=also,
                             gated_rows=_knob("GATED_ROWS", gated_rows),
                             gauges=(gated_gauges[i_read], gated_gauges[partners[i_read]] if also else None),
                             scores=None if given is None else (given, given), flipped=given is not None,
                             oscale=scales[i_read], oscale2=scales[partners[i_read]] if also is not None else 1.0,
                             srev=read_srev)
            if keep_scores is not None and i_read in keep_scores:
                keep_scores[i_read] = made[0]
            outs.append(out)
            continue
        if sub:
            grid, vadj = _grid_blocks(NC, N, _cdiv(d_out, BO), 8)
            _read_sub_kernel[grid](
                x, k_ if side_k else v_, v_ if side_k else k_, G_, Gex_, Gv_, Gvex_, h, out, T, Tp, NC, HS, TX,
                scales[i_read], D_IN=d_in, D_OUT=d_out, K=K, V=V, C=C, BI=_p2(d_in), BO=BO, SIDE_K=side_k,
                BEFORE=timing == "before", GIN=gin, GOUT=gout, PREC=precision, REV=reversed_reads, VADJ=vadj,
                num_stages=1)
            outs.append(out)
            continue
        read_fold = 0 if loop and not _knob("LOOP_FOLD", 1) or folded_values else FOLD
        b_read = b_ if read_fold or folded_values or not R else b_loaded()
        src, w, srcin, win = (b_read, u, k_, v_) if side_k else (u, b_read, v_, k_)
        if folded_values:  # the one pair (k', v' - s u): u holds its value rows
            src, w, srcin, win = (dummy, dummy, k_, u) if side_k else (dummy, dummy, u, k_)
        # the rank-one reads' products of the reader's tile with the state, src and srcin tiles (_tile_prec); the
        # reads without rank-one factors likewise (the chunk-level adjoint's with tile_bf16: session 41, calls 3-4,
        # Gated DeltaNet forward+backward 8.305 -> 8.152 ms at 2x16384x16x128, 14.824 -> 14.539 at 4x4096x64x128;
        # every scan's: session 55, call 2, H200, 2x16384x16x128, each variant in its own process, checks green at
        # gate x1 and x10: Mamba-2 4.038 -> 3.749 ms, RetNet 3.003 -> 2.744), but for the kernelized reads (Based's
        # wide bf16 reads went wrong in chunks of 64, session 53: not measured with it). LINDSL_TUNE_R0_TILE_BF16=0
        # keeps tf32 (and turns tile_bf16 off too)
        readers = (x,) if also is None else (x, also[0])
        r0_tiles = tile_bf16 or (_knob("R0_TILE_BF16", 1) and not (kernel_scores and i_read in kernel_scores))
        xs_prec, xr_prec, xp_prec = (_tile_prec(precision, "R1_TILE_BF16" if R else "R0_TILE_BF16", *readers, t)
                                     if (R or r0_tiles) and not loop else precision for t in (h, src, srcin))
        # two merged readers on eight warps with rank-one factors (the rescan's, session 23), on four without (the
        # chunk-level adjoint's reads over hend: session 41, call 2, 2x16384x16x128, checks green, DeltaNet
        # forward+backward 6.924 -> 6.357 ms, Gated DeltaNet 8.960 -> 8.353, that read 1.34 ms at eight warps)
        warps = _knob("READ_LOOP_WARPS", 4) if loop else _knob("READ_WARPS", 8 if also is not None and read_R else 4)
        # a gauge term sums the whole returned row: the read keeps its value blocks, each writing its partial sums,
        # added here (session 26, call 1, Mamba-2 at 2x16384x16x128, each form in its own process, checks green:
        # forward+backward 5.626 -> 5.395 ms against one 128-wide block of eight warps, whose two gauged reads took
        # 0.80 and 0.84 ms in session 25 against the plain adjoint read's 0.63 in two blocks of four);
        # LINDSL_TUNE_GAUGE_BLOCKS=0 takes the one block (eight warps: four spill 20 bytes at 128)
        gauge = scalar_gauges[i_read] or (dummy, 0, dummy)
        gauge2 = (scalar_gauges[partners[i_read]] if also is not None else None) or (dummy, 0, dummy)
        partials, gstride = [], 0  # (each block's sums, the term they add up to); elements per block
        if (gauge[1] or gauge2[1]) and BO < _p2(d_out):
            if _knob("GAUGE_BLOCKS", 1):
                def by_block(term):
                    vec, sign, g = term
                    if not sign:
                        return term
                    partials.append((torch.empty((_cdiv(d_out, BO),) + tuple(g.shape), device=dev, dtype=f32), g))
                    return vec, sign, partials[-1][0]
                gauge, gauge2 = by_block(gauge), by_block(gauge2)
                gstride = partials[0][1].numel()
            else:
                BO, warps = _p2(d_out), _knob("READ_WARPS", 8)
        xb, kb, poly, pcs, DB = _kernel_score_args(kernel_scores, i_read, dummy)
        negf, negf2 = i_read in fold_reads, also is not None and partners[i_read] in fold_reads
        oscale, oscale2 = scales[i_read], scales[partners[i_read]] if also is not None else 1.0
        if read_fold == 1:
            # s = 1: the read of -x is the read of x with its scale negated. The kernel's product by the constant
            # -1 rows (NEGF with FOLD 1) wrote DeltaNet's da read all 0 on the H200 with Triton 3.6 where the
            # contraction runs in two blocks (K = V = 128 in bf16: its value-side reads' 64-wide blocks), right under
            # the interpreter (session 38, calls 5-7, benchmarks/merged_read_check.py)
            oscale, oscale2 = -oscale if negf else oscale, -oscale2 if negf2 else oscale2
            negf = negf2 = False
        grid, vadj = _grid_blocks(NC, N, _cdiv(d_out, BO), 4)
        _read_kernel[grid](
            x, src, w, srcin, win, G_, Gex_, Gv_, Gvex_, h, out, fold_s,
            *(also or (x, out)), gauge[0], gauge[2], gauge2[0], gauge2[2], T, Tp, NC, HS, TX, gstride, oscale,
            oscale2, xb, kb, *pcs, *skips.get(i_read, (dummy, dummy, False))[:2], _skip_heads(skips.get(i_read)),
            vs_, SKIP=_skip_kind(skips.get(i_read)), VS=value_scale is not None, D_IN=d_in,
            D_OUT=d_out, K=K,
            V=V, C=C, R=read_R, P=P, BC=_p2(C), BL=BL, BLP=BLP, BI=_p2(d_in), BO=BO, SIDE_K=side_k,
            BEFORE=timing == "before", GIN=gin, GOUT=gout, LOOP=loop, PREC=precision, PREC_XS=xs_prec,
            PREC_XR=xr_prec, PREC_XP=xp_prec, BKI=BKI, FOLD=read_fold, REV=reversed_reads, NX=1 if also is None else 2,
            BEFORE2=also is not None and reads[partners[i_read]][1] == "before", GAUGE=gauge[1], GAUGE2=gauge2[1],
            NEGF=negf, NEGF2=negf2, SREV=read_srev, HAS_H=has_h, DB=DB, BDB=_p2(DB), POLY=poly, VADJ=vadj,
            num_stages=read_stages,
            num_warps=_mma_warps(warps, BO))
        for blocks, g in partials:
            torch.sum(blocks, 0, out=g)
        outs.append(out)
    for i_read, odt in torch_gauged.items():
        # the reads of chunks without 16-row blocks (no gated read-out): their terms from the fp32 results
        vec, sign, g, acc, shift = gated_gauges[i_read]
        term = sign * vec.to(f32) * outs[i_read]
        term, dst = (term[:, 1:], g[:, :-1]) if shift else (term, g)
        dst.add_(term) if acc else dst.copy_(term)
        if shift and not acc:
            g[:, -1:].zero_()
        outs[i_read] = outs[i_read].to(odt)
    if keep_t_only:
        wy[1:3] = [None, None]  # _wy_keep_rows: W and U0 made again from (I - M)^-1 by the backward's rescan
    if return_states:
        return outs, ST, (u if R else None), h, C
    return outs, ST, (u if R and not folded_values else None)
