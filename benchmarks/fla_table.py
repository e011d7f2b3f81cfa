"""Issue 4's table at fla's benchmark shapes, with many processes per GPU (one call of the device tool).

Why a separate driver: fla's first call at a new (H, D) autotunes about 50 configs per kernel, and its cost is
compiling them (1-4 minutes per op and shape, one CPU core). Triton's own disk cache of autotune results did not
hit across device calls (session 6, call 1: fla retuned kernels whose result files were in the cache). So:

1. Warm: every process (one fla op family x one shape group) makes its first lindsl and fla calls. Compiles run in
   parallel across processes. The GPU timings of fla's autotuner are taken one process at a time under a per-GPU
   file lock, with do_bench(warmup=5 ms, rep=20 ms) in place of Triton's 25/100 ms.
2. Barrier: a process waits until every peer on its GPU is warm (or a deadline passes; rows measured before all
   peers were warm say so).
3. Measure: each process takes the lock and times its rows (lindsl, fla, SDPA: medians of do_bench 25/100 ms,
   forward and forward+backward, peak memory) on a quiet GPU with idle CPUs. Shapes bound by the host's time
   (B*T*H <= --host-bound) also take --host-lock, shared by every GPU's processes: two host-bound timings side by
   side disturbed each other by up to 20 % (session 11). With --rounds N those shapes time
   lindsl and fla in turn N times and report medians (session 63: two calls' host-bound rows disagreed by up to 2x
   on both sides).
4. fla's chosen configs are written to $OUT/fla_configs_<tag>.json; `--fla-configs FILE` loads such a file so a later
   run skips the autotuning (benchmarks/fla_configs.json is the merged file in the repository).

    python3 benchmarks/fla_table.py --tag gla_h16 --specs gla,hgrn2 --shapes '4,2048,16,128;2,16384,16,128' \\
        --lock /tmp/gpu0.lock --barrier /tmp/barrier0 --peers 16 --out $OUT
"""
import argparse
import contextlib
import fcntl
import functools
import json
import math
import os
import statistics
import sys
import time
import traceback

import torch
import triton

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gpu_suite as gs  # noqa: E402

T0 = time.time()


@contextlib.contextmanager
def gpu_lock(path):
    """Exclusive use of this GPU's timing among the processes sharing `path`."""
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def serialise_autotune_timing(lock_path):
    """Compile each config outside the lock (one launch), then time it under the lock with a shorter do_bench."""
    from triton.runtime.autotuner import Autotuner
    original = Autotuner._bench
    quick = functools.partial(triton.testing.do_bench, warmup=5, rep=20)

    def launch_once(fn, quantiles=None):
        fn()
        torch.cuda.synchronize()
        return [0.0, 0.0, 0.0]

    def _bench(self, *args, config, **meta):
        self.__dict__["do_bench"] = launch_once
        try:
            first = original(self, *args, config=config, **meta)
            if not math.isfinite(first[0]):
                return first
            self.__dict__["do_bench"] = quick
            with gpu_lock(lock_path):
                return original(self, *args, config=config, **meta)
        finally:
            self.__dict__.pop("do_bench", None)

    Autotuner._bench = _bench


def fla_autotuners():
    """{module.kernel: Autotuner} for every autotuned kernel of the imported fla modules."""
    from triton.runtime.autotuner import Autotuner
    found = {}
    for modname, mod in list(sys.modules.items()):
        if not modname.startswith("fla.") or mod is None:
            continue
        for obj in list(vars(mod).values()):
            seen = set()
            while obj is not None and id(obj) not in seen:
                seen.add(id(obj))
                if isinstance(obj, Autotuner):
                    found[f"{obj.base_fn.__module__}.{obj.base_fn.__name__}"] = obj
                obj = getattr(obj, "fn", None)
    return found


def save_configs(path):
    out = {}
    for name, at in sorted(fla_autotuners().items()):
        rows = [[list(k), dict(kwargs=c.kwargs, num_warps=c.num_warps, num_stages=c.num_stages, num_ctas=c.num_ctas,
                               maxnreg=c.maxnreg)] for k, c in at.cache.items()]
        if rows:
            out[name] = rows
    with open(path, "w") as fh:
        json.dump(out, fh)
    return sum(len(v) for v in out.values())


def load_configs(path):
    """Fill the imported fla kernels' autotune caches from a file written by save_configs; returns how many."""
    if not path or not os.path.exists(path):
        return 0
    with open(path) as fh:
        saved = json.load(fh)
    n = 0
    for name, at in fla_autotuners().items():
        for key, c in saved.get(name, []):
            at.cache[tuple(key)] = triton.Config(c["kwargs"], num_warps=c["num_warps"], num_stages=c["num_stages"],
                                                 num_ctas=c["num_ctas"], maxnreg=c["maxnreg"])
            n += 1
    return n


def seed_from_triton_results(directory):
    """Fill the autotune caches from Triton's own result files (*.autotune.json, named by kernel only) where the
    kernel's name is unique among the imported fla modules and the best config's parameters are the kernel's;
    returns how many."""
    by_name = {}
    for name, at in fla_autotuners().items():
        by_name.setdefault(name.rsplit(".", 1)[1], []).append(at)
    n = 0
    for root, _, files in os.walk(directory or "/nonexistent"):
        for f in files:
            ats = by_name.get(f[:-len(".autotune.json")], []) if f.endswith(".autotune.json") else []
            if len(ats) != 1:
                continue
            with open(os.path.join(root, f)) as fh:
                saved = json.load(fh)
            c, _ = min(saved["configs_timings"], key=lambda ct: ct[1][0])
            if set(c["kwargs"]) != set(ats[0].configs[0].kwargs):
                continue
            ats[0].cache.setdefault(tuple(saved["key"]), triton.Config(
                c["kwargs"], num_warps=c["num_warps"], num_stages=c["num_stages"], num_ctas=c["num_ctas"],
                maxnreg=c["maxnreg"]))
            n += 1
    return n


def interleaved(cases, rounds, bench):
    """Times each case `rounds` times in turn (A B A B ...) with bench(fwd, fb) -> (fwd ms, f+b ms, peak MB): per
    case the median of its rounds' forward and forward+backward times, the largest peak, and every round's times.
    Host-bound shapes measure the host's launch path, which drifts during a call (session 63: two calls disagreed by
    up to 2x on both libraries); timings taken in turn share the drift, so their ratio holds where one reading
    each does not. cases: {who: (fwd, fb)}; returns {who: (fwd, fb, mem, [(fwd, fb), ...])}."""
    times = {who: [] for who in cases}
    for _ in range(rounds):
        for who, (f1, f2) in cases.items():
            times[who].append(bench(f1, f2))
    return {who: (statistics.median(t[0] for t in ts), statistics.median(t[1] for t in ts), max(t[2] for t in ts),
                  [t[:2] for t in ts]) for who, ts in times.items()}


def time_one_each(row, name, shape, op, fla_rows, first, no_fla):
    """Fills a row with one reading each of lindsl and fla (fla's taken once per op: a later spec of the same op
    shares it)."""
    try:
        f1, f2, _ = gs.lindsl_fns(name, *shape)
        row.update(zip(("lindsl_fwd", "lindsl_fb", "lindsl_mem"), gs.bench_case(name, f1, f2)))
        del f1, f2
    except Exception as e:
        row["lindsl_error"] = repr(e)
        traceback.print_exc()
    torch.cuda.empty_cache()
    if not no_fla and op in fla_rows:
        row.update({k: v for k, v in fla_rows[op].items() if k.startswith("fla_")}, fla_timed_with=fla_rows[op]["spec"])
    elif not no_fla:
        try:
            f1, f2, _ = gs.fla_fns(name, *shape)
            row.update(zip(("fla_fwd", "fla_fb", "fla_mem"), gs.bench_case(name, f1, f2)))
            row["fla_first_call_s"] = first.get((op, *shape))
            fla_rows[op] = row
            del f1, f2
        except Exception as e:
            row["fla_error"] = repr(e)
            traceback.print_exc()
        torch.cuda.empty_cache()


def time_in_turn(row, name, shape, rounds):
    """Fills a row with lindsl's and fla's medians over rounds timed in turn (interleaved); returns the log's note of
    each side's forward+backward spread."""
    try:
        cases = {"lindsl": gs.lindsl_fns(name, *shape)[:2], "fla": gs.fla_fns(name, *shape)[:2]}
        for who, (fwd, fb, mem, each) in interleaved(cases, rounds, lambda f1, f2: gs.bench_case(name, f1, f2)).items():
            row.update({f"{who}_fwd": fwd, f"{who}_fb": fb, f"{who}_mem": mem, f"{who}_rounds": each})
        del cases
    except Exception as e:
        row["error"] = repr(e)
        traceback.print_exc()
    torch.cuda.empty_cache()
    spread = "; ".join(f"{who} f+b {min(t[1] for t in row[who + '_rounds']):.3f}-"
                       f"{max(t[1] for t in row[who + '_rounds']):.3f}"
                       for who in ("lindsl", "fla") if who + "_rounds" in row)
    return f" (medians of {rounds} rounds in turn; {spread})"


def wait_for_peers(barrier, tag, peers, deadline):
    """Mark this process warm and wait until `peers` processes are (or `deadline` seconds since start pass)."""
    os.makedirs(barrier, exist_ok=True)
    open(os.path.join(barrier, tag), "w").close()
    while len(os.listdir(barrier)) < peers and time.time() - T0 < deadline:
        time.sleep(1.0)
    return len(os.listdir(barrier)) >= peers


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tag", required=True)
    p.add_argument("--specs", required=True)
    p.add_argument("--shapes", required=True, help="B,T,H,D separated by ';'")
    p.add_argument("--no-fla", action="store_true", help="lindsl and SDPA only (e.g. D=256)")
    p.add_argument("--check-shape", default="", help="B,T,H,D: check the specs there first (gate x1 and x10)")
    p.add_argument("--lock", required=True)
    p.add_argument("--barrier", required=True)
    p.add_argument("--peers", type=int, required=True)
    p.add_argument("--deadline", type=float, default=400, help="seconds after start to stop waiting for peers")
    p.add_argument("--host-lock", default="",
                   help="a lock shared by every GPU's processes, held while timing host-bound shapes")
    p.add_argument("--host-bound", type=int, default=1 << 17,
                   help="B*T*H at or below which a shape is host-bound (session 11: 4x2048x16 and 8x1024x8)")
    p.add_argument("--rounds", type=int, default=1,
                   help="host-bound shapes: lindsl and fla timed in turn this many times, medians (interleaved)")
    p.add_argument("--fla-configs", default="")
    p.add_argument("--seed-triton-results", default="",
                   help="directory of Triton's *.autotune.json files (benchmarks/triton-autotune) to seed fla's caches")
    p.add_argument("--out", default=os.environ.get("OUT", "."))
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    specs = a.specs.split(",")
    shapes = [tuple(map(int, s.split(","))) for s in a.shapes.split(";")]
    res = dict(tag=a.tag, env=dict(gpu=torch.cuda.get_device_name(), torch=torch.__version__,
                                   triton=triton.__version__, date=time.strftime("%Y-%m-%d")), check=[], rows=[])
    out_json = os.path.join(a.out, f"table_{a.tag}.json")

    def log(msg):
        print(f"[{a.tag} {time.time() - T0:6.1f}s] {msg}", flush=True)

    def dump():
        with open(out_json, "w") as fh:
            json.dump(res, fh, indent=1)

    serialise_autotune_timing(a.lock)
    if not a.no_fla:
        import importlib
        for name in specs:
            importlib.import_module(f"fla.ops.{gs.FLA_OPS[name][0]}")
        res["fla_configs_loaded"] = load_configs(a.fla_configs)
        res["fla_configs_seeded"] = seed_from_triton_results(a.seed_triton_results)
        log(f"loaded {res['fla_configs_loaded']} fla configs, seeded {res['fla_configs_seeded']} from Triton's files")

    for name in specs if a.check_shape else []:
        B, T, H, D = map(int, a.check_shape.split(","))
        for scale in (1.0, 10.0):
            os.environ["LINDSL_POISON"] = "1"
            try:
                rows, _ = gs.correctness(name, B, T, H, D, scale)
                ok = all(e <= tol for _, e, tol in rows)
                res["check"].append(dict(spec=name, shape=[B, T, H, D], gate_scale=scale, ok=ok, rows=rows))
                log(f"check {name} {a.check_shape} x{scale:g} {'PASS' if ok else 'FAIL'} worst "
                    f"{max(rows, key=lambda r: r[1] / r[2])}")
            except Exception as e:
                res["check"].append(dict(spec=name, shape=[B, T, H, D], gate_scale=scale, ok=False, error=repr(e)))
                log(f"check {name} ERROR {e!r}")
            finally:
                os.environ.pop("LINDSL_POISON", None)
            dump()

    first = {}
    for B, T, H, D in shapes:
        for name in specs:
            for who, make in (("lindsl", gs.lindsl_fns), ("fla", None if a.no_fla else gs.fla_fns)):
                if make is None or (who == "fla" and (gs.FLA_OPS[name], B, T, H, D) in first):
                    continue
                t = time.perf_counter()
                try:
                    try:
                        make(name, B, T, H, D)
                    except torch.cuda.OutOfMemoryError:
                        torch.cuda.empty_cache()
                        with gpu_lock(a.lock):
                            make(name, B, T, H, D)
                    first[(name if who == "lindsl" else gs.FLA_OPS[name], B, T, H, D)] = time.perf_counter() - t
                    log(f"warm {who} {name} {B}x{T}x{H}x{D}: {time.perf_counter() - t:.1f}s")
                except Exception as e:
                    log(f"warm {who} {name} {B}x{T}x{H}x{D} ERROR {e!r}")
                    traceback.print_exc()
                torch.cuda.empty_cache()
    if not a.no_fla:
        log(f"saved {save_configs(os.path.join(a.out, f'fla_configs_{a.tag}.json'))} fla configs")
    all_warm = wait_for_peers(a.barrier, a.tag, a.peers, a.deadline)
    log(f"barrier passed ({'all peers warm' if all_warm else 'deadline, some peers still warming'})")

    for B, T, H, D in shapes:
        # host-bound shapes measure the host (benchmarks/host_overhead.py): no other GPU's process times then
        host_bound = a.host_lock and B * T * H <= a.host_bound
        with gpu_lock(a.lock), (gpu_lock(a.host_lock) if host_bound else contextlib.nullcontext()):
            try:
                sd = gs.bench_case("sdpa", *gs.sdpa_fns(B, T, H, D))
            except Exception as e:
                sd = (math.nan, math.nan, math.nan)
                log(f"sdpa failed {e!r}")
            fla_rows = {}
            for name in specs:
                row = dict(spec=name, shape=[B, T, H, D], sdpa_fwd=sd[0], sdpa_fb=sd[1], sdpa_mem=sd[2],
                           io_floor_fwd=gs.io_floor_ms(B, T, H, D), roofline_fwd=gs.roofline_ms(B, T, H, D),
                           all_peers_warm=all_warm, first_call_s=first.get((name, B, T, H, D)))
                op = gs.FLA_OPS.get(name)
                note = ""
                if host_bound and a.rounds > 1 and not a.no_fla:
                    note = time_in_turn(row, name, (B, T, H, D), a.rounds)
                    row["fla_first_call_s"] = first.get((op, B, T, H, D))
                else:
                    time_one_each(row, name, (B, T, H, D), op, fla_rows, first, a.no_fla)
                res["rows"].append(row)
                dump()
                log(gs.fmt_row(dict(row, compile_s=row["first_call_s"])) + note)
    log("done")


if __name__ == "__main__":
    main()
