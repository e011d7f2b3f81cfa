"""Tuning sweep (one run on the lent H200): launch-parameter and precision variants of the Triton engine, each
checked for correctness (bf16, gate scales 1 and 10, as gpu_suite) and timed (forward, forward+backward) in the
same run, by wall clock and by the sum of their kernels' durations (the host-bound rows' wall clock measures the
host: session 31). A variant is a set of LINDSL_TUNE_* environment values (lindsl.runtime.triton_engine._knob); the
baseline is the engine's defaults. Not a test:

    python3 benchmarks/variant_sweep.py --specs retnet,gla,deltanet --variants "STATE_WARPS=8;BWD_PREC=tf32" --out $OUT

Every variant a default may switch to has to pass the check on the GPU (Triton 3.6 miscompiled one configuration
of a correct kernel there: shared/device/README.md).

--isolate runs each variant in a process of its own (the same sequence of checks and timings in each); there a
variant TREE=<dir> runs another copy of the package first on the path, with a cache of its own: an A/B of a code
change no knob switches. The copy is laid out as installed (codegen/, grammar/ and library/ inside lindsl/, so
that the editable install's mapping of lindsl.codegen does not take this tree's):

    git archive <commit> lindsl codegen grammar library | tar -x -C <dir> && (cd <dir> && mv codegen grammar library lindsl/)

Needed for
variants that change what torch.compile sees (the layout, dtypes, shapes): in one process the later variant's
compiled glue recompiles and runs with dynamic shapes (session 17: DeltaNet's forward+backward 11.18 ms second in
its process, 8.73 alone; benchmarks/NOTES.md, v19).
"""
import argparse
import json
import os
import subprocess
import sys
import time
import traceback

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpu_suite import bench_case, correctness, kernel_ms, lindsl_fns  # noqa: E402


def parse_variants(text):
    """'A=1,B=x;C=2' -> [{}, {'A': '1', 'B': 'x'}, {'C': '2'}] (the baseline first)."""
    out = [{}]
    for part in filter(None, (p.strip() for p in text.split(";"))):
        out.append(dict(kv.split("=", 1) for kv in part.split(",")))
    return out


def with_env(env, fn):
    keys = {"LINDSL_TUNE_" + k: v for k, v in env.items()}
    old = {k: os.environ.get(k) for k in keys}
    os.environ.update(keys)
    try:
        return fn()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", default=os.environ.get("OUT", "."))
    p.add_argument("--specs", default="retnet,gla,deltanet")
    p.add_argument("--variants", default="")
    p.add_argument("--check-shape", default="2,4096,8,128")
    p.add_argument("--bench-shape", default="4,8192,16,128")
    p.add_argument("--budget", type=float, default=500.0, help="seconds after which no new row starts")
    p.add_argument("--isolate", action="store_true", help="each variant in a process of its own")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    if a.isolate:
        return isolated(a)
    t_start = time.perf_counter()
    rows = []
    cB, cT, cH, cD = map(int, a.check_shape.split(","))
    B, T, H, D = map(int, a.bench_shape.split(","))
    for name in a.specs.split(","):
        for env in parse_variants(a.variants):
            label = ",".join(f"{k}={v}" for k, v in env.items()) or "default"
            if time.perf_counter() - t_start > a.budget:
                rows.append(dict(spec=name, variant=label, skipped="time budget"))
                continue
            row = dict(spec=name, variant=label)
            try:
                os.environ["LINDSL_POISON"] = "1"
                checks = []
                for gs in (1.0, 10.0):
                    res, _ = with_env(env, lambda: correctness(name, cB, cT, cH, cD, gs))
                    worst = max(res, key=lambda r: r[1] / r[2])
                    checks.append(dict(gate_scale=gs, ok=all(e <= tol for _, e, tol in res),
                                       worst=[worst[0], worst[1], worst[2]]))
                os.environ.pop("LINDSL_POISON", None)
                row["check"] = checks
                row["ok"] = all(c["ok"] for c in checks)
                f1, f2, _ = with_env(env, lambda: lindsl_fns(name, B, T, H, D))
                fwd, fb, mem = with_env(env, lambda: bench_case(name, f1, f2))
                kf, kfb = with_env(env, lambda: (kernel_ms(f1), kernel_ms(f2)))
                row.update(fwd_ms=fwd, fb_ms=fb, mem_mb=mem, fwd_kernels_ms=kf, fb_kernels_ms=kfb)
            except Exception as e:  # noqa: BLE001 - recorded, the sweep goes on
                os.environ.pop("LINDSL_POISON", None)
                row["error"] = repr(e)[:500]
                traceback.print_exc()
            rows.append(row)
            torch.cuda.empty_cache()
            print(fmt(row), flush=True)
            with open(os.path.join(a.out, "variant_sweep.json"), "w") as fh:
                json.dump(dict(gpu=torch.cuda.get_device_name(), torch=torch.__version__, bench_shape=[B, T, H, D],
                               check_shape=[cB, cT, cH, cD], rows=rows), fh, indent=1)
    print("\nvariant sweep (ms; ok = correctness at gate x1 and x10):")
    for r in rows:
        print(fmt(r))


def isolated(a):
    """Each variant's rows from a process of its own (this script without --isolate, the variant's knobs in its
    environment), gathered into one table; the budget is shared."""
    t_start = time.perf_counter()
    rows = []
    for i, env in enumerate(parse_variants(a.variants)):
        label = ",".join(f"{k}={v}" for k, v in env.items()) or "default"
        left = a.budget - (time.perf_counter() - t_start)
        out = os.path.join(a.out, f"variant{i}")
        why = "time budget"
        if left > 0:
            knobs = {k: v for k, v in env.items() if k != "TREE"}
            tree = {} if "TREE" not in env else {
                "PYTHONPATH": os.path.abspath(env["TREE"]) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                "LINDSL_CACHE": os.path.join(os.path.abspath(out), "cache")}
            run = subprocess.run([sys.executable, os.path.abspath(__file__), "--specs", a.specs, "--check-shape",
                                  a.check_shape, "--bench-shape", a.bench_shape, "--budget", str(left), "--out", out],
                                 env={**os.environ, **{"LINDSL_TUNE_" + k: v for k, v in knobs.items()}, **tree})
            why = f"no result (its process exited {run.returncode})"
        try:
            with open(os.path.join(out, "variant_sweep.json")) as fh:
                got = json.load(fh)["rows"]
        except (OSError, ValueError):
            got = []
        done = {r["spec"] for r in got}
        got += [dict(spec=name, skipped=why) for name in a.specs.split(",") if name not in done]
        rows += [dict(r, variant=label) for r in got]
    with open(os.path.join(a.out, "variant_sweep.json"), "w") as fh:
        json.dump(dict(isolated=True, bench_shape=a.bench_shape, check_shape=a.check_shape, rows=rows), fh, indent=1)
    print("\nvariant sweep, each variant in its own process (ms; ok = correctness at gate x1 and x10):")
    for r in rows:
        print(fmt(r))


def fmt(r):
    if "fwd_ms" not in r:
        return f"{r['spec']:16s} {r['variant']:40s} {r.get('error', r.get('skipped', ''))[:120]}"
    bad = [c for c in r["check"] if not c["ok"]]
    kernels = (f" kernels {r['fwd_kernels_ms']:7.3f} / {r['fb_kernels_ms']:7.3f}" if "fb_kernels_ms" in r else "")
    return (f"{r['spec']:16s} {r['variant']:40s} fwd {r['fwd_ms']:8.3f} f+b {r['fb_ms']:8.3f}{kernels} "
            f"mem {r['mem_mb']:7.0f} {'ok' if r['ok'] else 'FAIL ' + str([c['worst'] for c in bad])}")


if __name__ == "__main__":
    main()
