"""bf16 forward+backward at small head sizes on the GPU, each (spec, D) in its own process: PASS, FAIL (an output or
gradient past gpu_suite.correctness's tolerance against fp64) or FAULT (the process died: an illegal address ends
the CUDA context). The table's shapes all have D >= 64; at D = 16 and 32 Triton's Hopper dot takes 16- and 32-wide
bf16 tiles through 32- and 64-byte swizzled shared memory, where session 69 found an illegal shared read
(compute-sanitizer: _chunk_wy_backward_kernel's bf16 products at K = V = 16, forced by LINDSL_TUNE_WYB_PREC=bf16)
and session 43 had measured that path's gradients 4-12 % from fp64. A wrong read that stays inside the allocation
gives wrong values, not a fault; this finds both.

    python3 benchmarks/small_d_check.py [--specs a,b] [--dims 16,32,64] [--gates 1,10] [--jobs 8] [--T 256]
        [--env LINDSL_TUNE_WYB_PREC=bf16] [--timeout 240]
"""
import argparse
import concurrent.futures as cf
import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = """
import json, sys
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
name, D, T, gates = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
for gate in map(float, gates.split(",")):
    rows, _ = gs.correctness(name, 2, T, 2, D, gate)
    print("ROW", json.dumps([gate, [list(r) for r in rows]]), flush=True)
"""


def run_case(name, D, T, gates, env, timeout):
    """(status, detail) of one (spec, D) in a fresh process."""
    try:
        p = subprocess.run([sys.executable, "-c", CHILD, name, str(D), str(T), gates], env=env, timeout=timeout,
                           capture_output=True, text=True)
    except subprocess.TimeoutExpired:
        return "TIMEOUT", ""
    bad, worst = [], 0.0
    rows_seen = 0
    for line in p.stdout.splitlines():
        if line.startswith("ROW "):
            gate, rows = json.loads(line[4:])
            rows_seen += 1
            for what, err, tol in rows:
                worst = max(worst, err / tol)
                if not err <= tol:
                    bad.append(f"x{gate:g} {what} {err:.1e}/{tol:.0e}")
    if p.returncode != 0:
        tail = [ln for ln in p.stderr.splitlines() if "Error" in ln or "error" in ln][-1:]
        return "FAULT", (tail[0][:160] if tail else f"exit {p.returncode}") + (f" after {rows_seen} gate(s)")
    return ("FAIL" if bad else "PASS"), f"worst {worst:.2f} of tolerance" + (" | " + "; ".join(bad[:4]) if bad else "")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--specs", default="")
    p.add_argument("--dims", default="16,32,64")
    p.add_argument("--gates", default="1,10")
    p.add_argument("--T", type=int, default=256)
    p.add_argument("--jobs", type=int, default=8)
    p.add_argument("--timeout", type=int, default=240)
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for every case (a knob to force)")
    a = p.parse_args()
    specs = a.specs.split(",") if a.specs else sorted(f.stem for f in Path("library").glob("*.lin"))
    env = dict(os.environ, TRITON_INTERPRET="0", **dict(kv.split("=", 1) for kv in a.env))
    cases = [(s, int(d)) for s in specs for d in a.dims.split(",")]
    counts = {}
    with cf.ThreadPoolExecutor(a.jobs) as pool:
        futures = {pool.submit(run_case, s, d, a.T, a.gates, env, a.timeout): (s, d) for s, d in cases}
        for fut in cf.as_completed(futures):
            s, d = futures[fut]
            status, detail = fut.result()
            counts[status] = counts.get(status, 0) + 1
            print(f"{s:<28} D={d:<4} {status:<8} {detail}", flush=True)
    print("small-D check:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), "| env", " ".join(a.env))


if __name__ == "__main__":
    main()
