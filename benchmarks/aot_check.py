"""Compile every Triton kernel variant the library specs use, ahead of time for Hopper (sm_90), on any machine.

Triton ships ptxas, so this runs without a GPU: it records the constexpr combinations each spec's forward and
backward launch (kernels replaced by recorders, nothing executed: the engine's kernels and the ones generated per
spec, the rows kernels and the fused decode step), compiles each for sm_90 and reports shared memory against the
H200's 227 KiB. Catches compile errors and resource overflows before spending GPU time: the interpreter runs code
that Triton's compiler refuses (session 39: a value redefined with another dtype in a branch). Run it without
TRITON_INTERPRET (record() refuses the interpreter's kernels).

    python benchmarks/aot_check.py [--dims 64,128,256] [--batch-heads 16,16] [--regs] [--sass] [--specs a,b]

record() and compile_recorded() serve other scripts (fuzz_compositions.py's aot check) and the test suite.
Two commits' kernels side by side (static SASS counts; session 26 found GLA's gated read-out 6 % longer than at
session 18's 7c5f568): mkdir old && git archive 7c5f568 lindsl codegen library grammar | tar -x -C old, link
old/lindsl/{codegen,library,grammar} to ../, then run this from another directory with PYTHONPATH=old.
"""
import argparse
import inspect
import os
import re
import subprocess
import sys
import tempfile

import torch
import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource
from triton.runtime.jit import JITFunction

import lindsl
from lindsl.check import default_sizes, random_inputs

# generated per spec (codegen.rows, codegen.step): recorded under the spec's name too
GENERATED = ("_prologue_rows_kernel", "_epilogue_rows_kernel", "_prologue_rows_bwd_kernel",
             "_epilogue_rows_bwd_kernel", "_merged_rows_bwd_kernel", "_fused_step_kernel")
SHARED_LIMIT = 232448


TRITON_LAUNCHED = set()  # kernels a site launches through Triton's JITFunction.run (not the engine's fast launch)


class Recorder:
    """A kernel whose launches (kernel[grid](...)) are recorded in seen, keyed by (name, constexprs, launch options,
    argument types), and not run."""

    def __init__(self, name, fn, seen):
        self.name, self.fn, self.seen = name, fn, seen

    def __getitem__(self, grid):
        def launch(*args, **kwargs):
            if hasattr(self.fn, "jitted") and self.fn._site(len(args), tuple(kwargs)) is None:
                TRITON_LAUNCHED.add(self.name)
            opts = {k: kwargs.pop(k) for k in ("num_stages", "num_warps") if k in kwargs}
            params = list(inspect.signature(self.fn.fn).parameters)
            types = tuple((p, t) for p, x in zip(params, args) if (t := _arg_type(x)) is not None)
            key = (self.name, tuple(sorted(kwargs.items())), tuple(sorted(opts.items())), types)
            self.seen[key] = self.fn
        return launch


def _arg_type(x):
    """A runtime argument's Triton type: a tensor's pointer by its dtype, a float fp32, an int i32 or i64; None for
    what the signature leaves as it is."""
    if torch.is_tensor(x):
        return {torch.bfloat16: "*bf16", torch.float16: "*fp16", torch.float64: "*fp64", torch.int32: "*i32",
                torch.int64: "*i64", torch.bool: "*i1"}.get(x.dtype, "*fp32")
    if isinstance(x, bool):
        return "i1"
    if isinstance(x, float):
        return "fp32"
    if isinstance(x, int):
        return "i32" if -2 ** 31 <= x < 2 ** 31 else "i64"
    return None


def compile_variant(fn, constexprs, opts, types, rows=False):
    """Compile for sm_90; returns (shared memory bytes, the compiled kernel). Integers are multiples of 16, so HS
    (the token layout's heads) is a runtime value; rows: HS = 1, the engine's rows, which the JIT specialises."""
    params = list(inspect.signature(fn.fn).parameters)
    types = dict(types)
    if rows and "HS" in params:
        constexprs = {**constexprs, "HS": 1}
    sig = {p: "constexpr" if p in constexprs else types.get(p, "*fp32" if p.endswith("_ptr") else "i32")
           for p in params}
    # every pointer 16-byte aligned and every integer a multiple of 16, as in a launch at the benchmark's shapes
    # (T = 8192): the JIT specialises on both, and with them it pipelines the loads through shared memory
    # (num_stages > 1); without them this check under-reported a D=256 kernel by 3.4x (session 5)
    attrs = {(params.index(p),): [["tt.divisibility", 16]] for p, t in sig.items()
             if t.startswith("*") or t in ("i32", "i64")}
    src = ASTSource(fn=JITFunction(fn.fn), signature=sig,
                    constexprs={(params.index(k),): v for k, v in constexprs.items()}, attrs=attrs)
    k = triton.compile(src, target=GPUTarget("cuda", 90, 32), options={"num_warps": 4, **opts})
    return k.metadata.shared, k


def sass_counts(kernel):
    """(SASS instructions, MUFU instructions: exponentials and the like) of the kernel's sm_90 cubin, static counts
    from Triton's nvdisasm: an engine's kernel that grew between two commits shows here without a GPU."""
    nvdisasm = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "nvdisasm")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "k.cubin")
        with open(path, "wb") as f:
            f.write(kernel.asm["cubin"])
        listing = subprocess.run([nvdisasm, path], capture_output=True, text=True).stdout
    ins = [line for line in listing.splitlines() if re.match(r"\s+/\*[0-9a-f]{4}\*/", line)]
    return len(ins), sum("MUFU" in line for line in ins)


def registers(kernel):
    """(registers per thread, spill store bytes, spill load bytes) from ptxas -v on the kernel's PTX."""
    ptxas = os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin", "ptxas")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "k.ptx")
        with open(path, "w") as f:
            f.write(kernel.asm["ptx"])
        log = subprocess.run([ptxas, "-arch=sm_90a", "-v", path, "-o", os.path.join(d, "k.o")],
                             capture_output=True, text=True).stderr
    regs = re.search(r"Used (\d+) registers", log)
    spill = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", log)
    return (int(regs.group(1)) if regs else -1, int(spill.group(1)) if spill else -1,
            int(spill.group(2)) if spill else -1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dims", default="64,128")
    p.add_argument("--specs", default="")
    p.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"],
                   help="input dtype (bfloat16: the benchmark's path, tf32/bf16 products)")
    p.add_argument("--regs", action="store_true", help="also report registers and spills (ptxas -v)")
    p.add_argument("--sass", action="store_true",
                   help="also report static SASS and MUFU instruction counts (nvdisasm); with PYTHONPATH set to an "
                        "older tree (git archive) the same for its engine, to compare two commits' kernels")
    p.add_argument("--rows-regs", action="store_true",
                   help="also report registers and spills with HS = 1 (the engine's rows) beside the token layout's: "
                        "session 18 found GLA's backward read at 142 registers in the layout against 128 in the rows")
    p.add_argument("--batch-heads", default="1,1",
                   help="B,H of the recorded calls: launch rules that follow the program count (e.g. 16,16 for 256 "
                        "sequences, as at fla's 4x4096x64 shape) record their many-program variants")
    a = p.parse_args()
    B, H = map(int, a.batch_heads.split(","))
    from lindsl.runtime.op import library_path  # noqa: F401
    import glob
    names = a.specs.split(",") if a.specs else [os.path.basename(f)[:-4] for f in
                                                  sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "library", "*.lin")))]
    seen = {}
    for name in names:
        for D in map(int, a.dims.split(",")):
            try:
                record(lindsl.load(name), D, getattr(torch, a.dtype), B, H, seen)
            except (ValueError, NotImplementedError) as e:
                print(f"{name} D={D}: not run by the Triton engine: {e}")
    bad = 0
    for key, status, shared, kernel in compile_recorded(seen):
        kname, ce, opts, types = key
        if kernel is not None:
            if a.regs or a.rows_regs:
                status += "  regs %d spill st %d ld %d" % registers(kernel)
            if a.sass:
                status += "  sass %d mufu %d" % sass_counts(kernel)
            if a.rows_regs:
                status += "  (rows: regs %d spill st %d ld %d)" % registers(compile_variant(seen[key], dict(ce),
                                                                                           dict(opts), types,
                                                                                           rows=True)[1])
        bad += not status.startswith("ok")
        print(f"{kname:14s} shared {shared:7d}  {status}  {dict(ce)} {dict(opts)}")
    for kname in sorted(TRITON_LAUNCHED):
        print(f"{kname:14s} launched through Triton: a keyword names a runtime argument (triton_engine._Launched)")
        bad += 1
    print(f"{len(seen)} variants, {bad} problems")
    return 1 if bad else 0


def clean_env():
    """This process's environment without the interpreter (a test suite's or a fuzzer's runs under it, and an
    in-process compile under its patches is not the GPU's), with the eager prologue and backward glue."""
    env = {k: v for k, v in os.environ.items() if k not in ("TRITON_INTERPRET", "LINDSL_FAST_INTERPRETER")}
    env.update(LINDSL_TUNE_PROLOGUE="eager", LINDSL_TUNE_BWD_GLUE="eager")
    return env


def run_clean(specs, dims="16", dtype="bfloat16", timeout=900):
    """This script on specs (names or .lin paths, comma-separated) in a process of clean_env(): the
    CompletedProcess, its stdout ending in "N variants, M problems"."""
    return subprocess.run([sys.executable, os.path.abspath(__file__), "--dims", dims, "--specs", specs, "--dtype",
                           dtype], env=clean_env(), capture_output=True, text=True, timeout=timeout)


def record(op, D, dtype, B, H, seen, T=70):
    """Record into seen the kernel launches of op's forward with gradients and its backward, its forward without
    gradients and its decode step, at K = V = D (M = 2) in dtype; nothing runs on a device."""
    mod = op.module
    if os.environ.get("TRITON_INTERPRET") == "1":
        raise RuntimeError("aot_check records compiled kernels: run it without TRITON_INTERPRET=1")
    # every kernel the module launches: its JIT functions named *_kernel (the helpers they call are not replaced)
    patched = {kname: fn for kname, fn in vars(mod).items()
               if kname.endswith("_kernel") and isinstance(getattr(fn, "jitted", fn), JITFunction)}  # fast launch's too
    pick = mod.pick_backend
    try:
        for kname, fn in patched.items():
            setattr(mod, kname, Recorder(f"{kname} ({op.spec.name})" if kname in GENERATED else kname, fn, seen))
        mod.pick_backend = lambda ref, backend=None: "triton"  # launches are only recorded; CPU tensors are fine
        sizes = default_sizes(op.spec, K=D, V=D, M=2)
        args = random_inputs(op.spec, B, T, H, sizes, dtype)
        for x in args.values():
            x.requires_grad_(x.is_floating_point())
        o, _ = op(*args.values(), backend="triton")
        outs = o if isinstance(o, tuple) else (o,)
        sum(x.float().sum() for x in outs).backward()
        with torch.no_grad():  # a forward without gradients may launch other variants (bf16 state pass)
            op(*args.values(), backend="triton")
            op.step(*args.values(), backend="triton")
    finally:
        for kname, fn in patched.items():
            setattr(mod, kname, fn)
        mod.pick_backend = pick


def compile_recorded(seen):
    """Compile every recorded variant for sm_90: per variant (key, status, shared memory bytes, the compiled kernel
    or None); status "ok", "TOO MUCH SHARED MEMORY" or "COMPILE ERROR ...", in a stable order."""
    out = []
    for key, fn in sorted(seen.items(), key=lambda kv: str(kv[0])):
        kname, ce, opts, types = key
        try:
            shared, kernel = compile_variant(fn, dict(ce), dict(opts), types)
            out.append((key, "ok" if shared <= SHARED_LIMIT else "TOO MUCH SHARED MEMORY", shared, kernel))
        except Exception as e:
            cause = e  # Triton's CompilationError shows where; the innermost cause says what
            while cause.__cause__ is not None or cause.__context__ is not None:
                cause = cause.__cause__ or cause.__context__
            what = f"{type(cause).__name__}: {str(cause).splitlines()[-1] if str(cause) else ''}"
            out.append((key, f"COMPILE ERROR {str(e).splitlines()[-1][:120]} ({what[:200]})", -1, None))
    return out


if __name__ == "__main__":
    sys.exit(main())
