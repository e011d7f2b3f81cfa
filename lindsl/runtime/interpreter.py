"""Triton's CPU interpreter (TRITON_INTERPRET=1) made lighter, on request (LINDSL_FAST_INTERPRETER=1): the test
suite sets it and `lindsl.sp.check`'s spawned ranks inherit it; results are bit-identical.

Two costs of Triton 3.6's interpreter, together about two thirds of an interpreted backward's time (a GLA
forward+backward at T = 150: 65 -> 33 s; lindsl.sp.check's mixed spec: 22 -> 7 s):
- its int32 overflow checks of index arithmetic (each add, sub and mul redone in int64 and asserted), off as in a
  GPU build without debug; LINDSL_SANITIZE_OVERFLOW=1 keeps them;
- its re-patching of triton.language (inspect.getmembers over its modules, ~1.7 ms) at every call of a @triton.jit
  helper inside a kernel, though the launch has patched those modules already: a helper whose language modules the
  launch has patched skips it; one that sees another (tl.cumsum's triton.language.core) patches it as before.
And one change of results, toward the GPU's: its fp32 -> bf16 casts (a store of fp32 values to a bf16 tensor, .to)
truncate the mantissa where a GPU, like torch's .to(torch.bfloat16), rounds to nearest even; they round here (the
truncation's bias had put Gated DeltaNet's bf16 output 1.1e-2 from fp64 through the rows kernels, which the GPU
rounds to within 1e-2 of it).
And one check, on request (LINDSL_SANITIZE_BOUNDS=1 for the whole process, or `bounds_checked()` around a block;
with or without the two changes): every masked-in address of a load, store or atomic must lie inside a tensor
argument of the running launch (its whole storage), else OutOfBoundsAccess names the kernel, the operation and the
first stray address. A GPU reports such an access as an illegal address at some later launch, or not at all where
the address happens to be mapped; the interpreter reads whatever lies there. It costs the test suite about a third
more time (882 s against 651, session 69, no access found), so the suite turns it on for a few odd-sized cases
(tests/test_bounds.py), not everywhere.
A Triton without these private hooks keeps its own behaviour.
"""
import contextlib
import dataclasses
import os
import types

import numpy as np

_applied = False
_bounds = {"installed": False, "on": False}


class OutOfBoundsAccess(RuntimeError):
    """A kernel under the interpreter touched memory outside its tensor arguments (LINDSL_SANITIZE_BOUNDS=1 or
    bounds_checked())."""


def lighten_if_asked():
    """Apply the two changes once, if TRITON_INTERPRET=1 and LINDSL_FAST_INTERPRETER=1 and Triton imports."""
    global _applied
    if os.environ.get("TRITON_INTERPRET") == "1" and os.environ.get("LINDSL_SANITIZE_BOUNDS") == "1":
        _bounds["on"] = _install_bounds_check()
    if _applied or os.environ.get("TRITON_INTERPRET") != "1" or os.environ.get("LINDSL_FAST_INTERPRETER") != "1":
        return
    try:
        import triton.language as tl
        from triton.runtime import interpreter
    except ImportError:
        return
    _applied = True
    _round_bf16_casts(interpreter, tl)
    builder = getattr(interpreter, "interpreter_builder", None)
    if os.environ.get("LINDSL_SANITIZE_OVERFLOW") != "1" and hasattr(getattr(builder, "options", None),
                                                                      "sanitize_overflow"):
        builder.options = dataclasses.replace(builder.options, sanitize_overflow=False)
    patch_lang = getattr(interpreter, "_patch_lang", None)
    if patch_lang is None:
        return
    launch_langs, langs_of = set(), {}  # the modules the running launch has patched (empty between launches)

    class LaunchScope:
        def __init__(self, scope):
            self.scope = scope

        def restore(self):
            launch_langs.clear()
            self.scope.restore()

    class NothingPatched:
        def restore(self):
            pass

    def patch_lang_once(fn):
        if fn not in langs_of:
            langs_of[fn] = {id(v) for v in fn.__globals__.values() if isinstance(v, types.ModuleType)
                            and v in (tl, tl.core)}
        langs = langs_of[fn]
        if launch_langs and langs <= launch_langs:
            return NothingPatched()
        inside_a_launch = bool(launch_langs)
        launch_langs.update(langs)
        scope = patch_lang(fn)
        return scope if inside_a_launch else LaunchScope(scope)

    interpreter._patch_lang = patch_lang_once


def round_to_bf16_bits(x):
    """The bf16 bits (uint16) of fp32 values rounded to nearest even, as a GPU's cvt.rn.bf16.f32: NaN stays a quiet
    NaN of its sign, infinities and overflow past the largest bf16 go to infinity."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    rounded = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    quiet_nan = ((u >> 16) | 0x0040).astype(np.uint16)
    return np.where(np.isnan(np.asarray(x, dtype=np.float32)), quiet_nan, rounded)


def _round_bf16_casts(interpreter, tl):
    cls = getattr(interpreter, "InterpreterBuilder", None)
    cast_impl, handle = getattr(cls, "cast_impl", None), getattr(interpreter, "TensorHandle", None)
    if cast_impl is None or handle is None:
        return

    def cast_rounded(self, src, dst_type):
        if src.dtype.scalar == tl.float32 and dst_type.scalar == tl.bfloat16:
            return handle(round_to_bf16_bits(src.data), dst_type.scalar)
        return cast_impl(self, src, dst_type)
    cls.cast_impl = cast_rounded


@contextlib.contextmanager
def bounds_checked():
    """Within the block, the interpreter's launches check every address they touch (OutOfBoundsAccess); raises
    RuntimeError where the check cannot be installed (not the interpreter, or a Triton without its hooks)."""
    if os.environ.get("TRITON_INTERPRET") != "1" or not _install_bounds_check():
        raise RuntimeError("bounds_checked() needs Triton's interpreter (TRITON_INTERPRET=1) with its GridExecutor")
    was, _bounds["on"] = _bounds["on"], True
    try:
        yield
    finally:
        _bounds["on"] = was


def _install_bounds_check():
    """Install the bounds check's hooks on Triton's interpreter once (they check only while _bounds["on"]); whether
    they are installed."""
    if _bounds["installed"]:
        return True
    try:
        from triton.runtime import interpreter
    except ImportError:
        return False
    executor, builder = getattr(interpreter, "GridExecutor", None), getattr(interpreter, "InterpreterBuilder", None)
    if executor is None or builder is None or not hasattr(executor, "_init_args_hst"):
        return False
    _bounds["installed"] = True
    launch = {"name": None, "starts": np.zeros(0, np.uint64), "ends": np.zeros(0, np.uint64)}
    init_args = executor._init_args_hst

    def init_args_recorded(self, args_dev, kwargs):
        args_hst, kwargs_hst = init_args(self, args_dev, kwargs)
        if _bounds["on"]:
            spans = sorted({(a.untyped_storage().data_ptr(),
                             a.untyped_storage().data_ptr() + a.untyped_storage().nbytes())
                            for a in list(args_hst) + list(kwargs_hst.values()) if hasattr(a, "untyped_storage")})
            launch["name"] = getattr(self.fn, "__name__", "kernel")
            launch["starts"] = np.array([b for b, _ in spans], dtype=np.uint64)
            launch["ends"] = np.array([e for _, e in spans], dtype=np.uint64)
        return args_hst, kwargs_hst
    executor._init_args_hst = init_args_recorded

    def check(op, ptrs, mask):
        addr = np.asarray(ptrs.data, dtype=np.uint64)
        if mask is not None:
            addr = addr[np.broadcast_to(np.asarray(mask.data, dtype=bool), addr.shape)]
        addr = addr.ravel()
        if addr.size == 0:
            return
        width = np.uint64(max(ptrs.get_element_ty().primitive_bitwidth // 8, 1))
        span = np.searchsorted(launch["starts"], addr, side="right").astype(np.int64) - 1
        inside = span >= 0
        inside[inside] = addr[inside] + width <= launch["ends"][span[inside]]
        if not inside.all():
            stray = int(addr[~inside][0])
            raise OutOfBoundsAccess(f"{launch['name']}: {op} of {int((~inside).sum())} element(s) outside every "
                                    f"tensor argument, the first at address {stray:#x}")

    def wrap(name, ptr_at, mask_at):
        original = getattr(builder, name, None)
        if original is None:
            return

        def checked(self, *args):
            if _bounds["on"]:
                check(name, args[ptr_at], args[mask_at] if mask_at is not None else None)
            return original(self, *args)
        setattr(builder, name, checked)
    wrap("create_masked_load", 0, 1)
    wrap("create_masked_store", 0, 2)
    wrap("create_atomic_rmw", 1, 3)
    wrap("create_atomic_cas", 0, None)
    return True
