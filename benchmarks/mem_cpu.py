"""Peak memory of one spec's bf16 forward+backward on the Triton engine, counted on the CPU (not a test):

    python benchmarks/mem_cpu.py --spec gated_deltanet --shape 2,16384,16,128

The GPU benchmark's `peak MB` column (gpu_suite.peak_mb: torch.cuda.max_memory_allocated over a second call of
`op(*inputs).backward(do)`, the inputs, their gradients and `do` alive) without a GPU: the same host code runs on
CPU tensors with every Triton kernel launch stubbed out (no kernel runs, so values are garbage and nothing is timed),
and a TorchDispatchMode counts the bytes of every tensor storage the call allocates until it is freed. Every buffer
lindsl allocates is a torch tensor allocated by the host, so the sums are the caching allocator's (each storage
rounded up to its 512 B blocks). Prints the peak, the tensors alive at it by the source line that allocated them,
what the forward holds for the backward (the bytes a layer keeps alive in a model until its backward; --held: those
tensors), (--timeline) the running total at each allocation and (--launches) the kernel launches. --table: both libraries at fla's five shapes.

Where the host's path depends on the device it is set to the GPU's: the SM count is the H200's (132), and the
prologue is the rows kernels' (the GPU's at every size since session 46; LINDSL_TUNE_ROWS_GRAD=0's compiled
prologue, whose saved tensors this does not model, is approached by `--prologue eager`). The backward's glue runs
eager (the GPU compiles it above 2^25 elements for the token-level backward; the chunk-level adjoint's is eager).
"""
import argparse
import collections
import os
import sys
import weakref

os.environ["TRITON_INTERPRET"] = "1"
os.environ.setdefault("LINDSL_FAST_INTERPRETER", "1")

import torch  # noqa: E402
from torch.utils._python_dispatch import TorchDispatchMode  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import lindsl  # noqa: E402
from lindsl.check import default_sizes, random_inputs  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cpu_stubs import stub_kernels  # noqa: E402

BLOCK = 512  # the CUDA caching allocator's rounding of a block


class LiveBytes(TorchDispatchMode):
    """Counts the storages the ops under it create, alive until their storage is freed (views share one)."""

    def __init__(self, where):
        super().__init__()
        self.where = where
        self.live = {}
        self.current = self.peak = 0
        self.at_peak = {}
        self.timeline = []

    def add(self, t, site):
        s = t.untyped_storage()
        key = id(s)
        if key in self.live or s.nbytes() == 0:
            return
        size = -(-s.nbytes() // BLOCK) * BLOCK
        self.live[key] = (size, site, tuple(t.shape), t.dtype)
        self.current += size
        weakref.finalize(s, self.free, key)
        self.timeline.append((self.current, size, site))
        if self.current > self.peak:
            self.peak, self.at_peak = self.current, dict(self.live)

    def free(self, key):
        size = self.live.pop(key)[0]
        self.current -= size

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        site = None
        for t in (out if isinstance(out, (tuple, list)) else (out,)):
            if isinstance(t, torch.Tensor):
                site = site or self.where()
                self.add(t, site)
        return out


HELPERS = {"_empty", "_dummy", "_data", "c32", "<lambda>"}


def allocation_site():
    """The two innermost frames in lindsl's package or a generated module, allocation helpers skipped
    ("function:line <- caller:line")."""
    f, found = sys._getframe(2), []
    while f is not None and len(found) < 2:
        name = f.f_code.co_filename
        ours = "lindsl" in name or "/fla/" in name
        if ours and "mem_cpu" not in name and (found or f.f_code.co_name not in HELPERS):
            found.append(f"{f.f_code.co_name}:{f.f_lineno}")
        f = f.f_back
    return " <- ".join(found) or "?"


def lindsl_call(spec, B, T, H, D, prologue, h200=True):
    """(call, inputs) of a library spec as gpu_suite.lindsl_fns makes them, on the CPU, on the Triton engine (h200:
    its module's launch rules told the H200's SM count)."""
    if prologue == "rows":
        os.environ.pop("LINDSL_TUNE_ROWS_GRAD", None)  # the rows kernels' backward: the default at every size
    else:
        os.environ["LINDSL_TUNE_ROWS"] = "0"
        os.environ["LINDSL_TUNE_PROLOGUE"] = "eager"
    op = lindsl.load(spec)
    if h200:
        op.module._sm_count = lambda device: 132  # the launch rules as on the H200 (its SM count)
    sizes = default_sizes(op.spec, K=D, V=D, M=4)
    with torch.no_grad():
        args = random_inputs(op.spec, B, T, H, sizes, torch.float32, 1.0, 0)
    xb = [v.to(torch.bfloat16).requires_grad_(True) for v in args.values()]
    return (lambda: op(*xb, backend="triton")), xb


def measure(call, inputs):
    """One forward+backward after a first one (the inputs' gradients then exist, as in the speed table's runs):
    (peak bytes, bytes alive before it, bytes alive after its forward, the tensors alive at the peak, timeline, the
    tensors the forward left alive)."""
    call()[0].float().sum().backward()
    do = torch.randn_like(call()[0].detach())
    counter = LiveBytes(allocation_site)
    for t in inputs + [do] + [x.grad for x in inputs if x.grad is not None]:
        counter.add(t, "inputs, their gradients, do")
    before = counter.current
    with counter:
        out = call()[0]
        held = counter.current
        held_tensors = {k: v for k, v in counter.live.items() if v[1] != "inputs, their gradients, do"}
        out.backward(do)
        del out
    return counter.peak, before, held, counter.at_peak, counter.timeline, held_tensors


def by_site(alive):
    rows = collections.defaultdict(lambda: [0, 0])
    for size, site, shape, dtype in alive.values():
        rows[site][0] += 1
        rows[site][1] += size
    return rows


FLA_SHAPES = "4,2048,16,128;4,4096,64,128;8,1024,8,64;1,8192,96,128;2,16384,16,128"


def table(specs, shapes):
    """A markdown table of lindsl's and fla's peaks and held bytes (MB) for every spec at every shape."""
    import gc
    from gpu_suite import fla_call
    mb = 2 ** 20
    print("| spec | B×T×H×D | peak MB lindsl / fla | peak fla/lindsl | held MB lindsl / fla | held fla/lindsl |")
    print("|---|---|---|---|---|---|")
    for spec in specs:
        for shape in shapes:
            B, T, H, D = shape
            got = []
            for make in (lambda: lindsl_call(spec, B, T, H, D, "rows"), lambda: fla_call(spec, B, T, H, D, "cpu")):
                call, inputs = make()
                peak, before, held = measure(call, inputs)[:3]
                got.append((peak, held - before))
                del call, inputs
                gc.collect()
            (lp, lh), (fp, fh) = got
            print(f"| {spec} | {B}×{T}×{H}×{D} | {lp / mb:.0f} / {fp / mb:.0f} | {fp / lp:.2f}× | "
                  f"{lh / mb:.0f} / {fh / mb:.0f} | {fh / lh:.2f}× |", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spec", default="gated_deltanet")
    p.add_argument("--shape", default="2,16384,16,128")
    p.add_argument("--fla", action="store_true", help="fla's op for the family too (gpu_suite.fla_call's inputs)")
    p.add_argument("--prologue", choices=["rows", "eager"], default="rows")
    p.add_argument("--knobs", default="", help="K=V,K2=V2: LINDSL_TUNE_ knobs set for the call")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--tensors", action="store_true", help="every tensor alive at the peak, with shape and dtype")
    p.add_argument("--timeline", action="store_true")
    p.add_argument("--held", action="store_true", help="the tensors the forward leaves alive for the backward")
    p.add_argument("--launches", action="store_true", help="lindsl's kernel launches of a forward and its backward")
    p.add_argument("--table", default="", help="SPEC,SPEC: a markdown table of both libraries at --shapes")
    p.add_argument("--shapes", default=FLA_SHAPES, help="B,T,H,D;B,T,H,D for --table (fla's five by default)")
    a = p.parse_args()
    B, T, H, D = map(int, a.shape.split(","))
    for kv in [kv for kv in a.knobs.split(",") if kv]:
        k, v = kv.split("=", 1)
        os.environ[f"LINDSL_TUNE_{k}"] = v
    launches = []
    stub_kernels(launches)
    if a.table:
        table(a.table.split(","), [tuple(map(int, sh.split(","))) for sh in a.shapes.split(";")])
        return
    runs = [("lindsl", lindsl_call(a.spec, B, T, H, D, a.prologue))]
    if a.fla:
        from gpu_suite import fla_call
        runs.append(("fla", fla_call(a.spec, B, T, H, D, device="cpu")))
    mb = 2 ** 20
    for lib, (call, inputs) in runs:
        peak, before, held, alive, timeline, kept = measure(call, inputs)
        print(f"{lib} {a.spec} {B}x{T}x{H}x{D}{' (' + a.knobs + ')' if a.knobs and lib == 'lindsl' else ''}: peak "
              f"{peak / mb:.0f} MB; before the call {before / mb:.0f} MB (inputs, their gradients, do); held from "
              f"the forward for the backward {(held - before) / mb:.0f} MB (the output included)")
        for site, (n, s) in sorted(by_site(alive).items(), key=lambda kv: -kv[1][1])[:a.top]:
            print(f"  {s / mb:9.1f} MB  {n:3d} tensor(s)  {site}")
        if a.tensors:
            for size, site, shape, dtype in sorted(alive.values(), key=lambda r: -r[0]):
                print(f"  {size / mb:9.1f} MB  {str(dtype):15s} {str(list(shape)):28s} {site}")
        if a.held:
            print("  held from the forward:")
            for size, site, shape, dtype in sorted(kept.values(), key=lambda r: -r[0]):
                print(f"  {size / mb:9.1f} MB  {str(dtype):15s} {str(list(shape)):28s} {site}")
        if a.timeline:
            for cur, size, site in timeline:
                print(f"  {cur / mb:9.1f} MB  +{size / mb:8.1f}  {site}")
        if a.launches and lib == "lindsl":
            del launches[:]
            out = call()[0]
            forward = len(launches)
            out.float().sum().backward()
            for i, (name, grid, constexprs) in enumerate(launches):
                print(f"  {'forward ' if i < forward else 'backward'} {name:32s} grid {str(grid):16s} {constexprs}")


if __name__ == "__main__":
    main()
