"""Time from spec text to a ready chunkwise backend, for every library spec (not a test).

Each spec is compiled in a fresh Python process with an empty cache, so the time includes parsing,
the passes, code generation and importing the generated module (torch import excluded, reported apart).
Prints a table; target: under 1 s per spec on a 2-core machine.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import torch  # noqa: F401
t1 = time.perf_counter()
from lindsl.runtime.op import load
op = load(sys.argv[1], cache=False)
t2 = time.perf_counter()
print(json.dumps({"torch_import": t1 - t0, "spec_to_backend": t2 - t1, **op.timings}))
"""


def main() -> None:
    rows = []
    for path in sorted(glob.glob(os.path.join(os.path.dirname(__file__), "..", "library", "*.lin"))):
        with tempfile.TemporaryDirectory() as cache:
            env = dict(os.environ, LINDSL_CACHE=cache, PYTHONWARNINGS="ignore")
            out = subprocess.run([sys.executable, "-c", CHILD, path], capture_output=True, text=True, env=env,
                                 check=True)
            rows.append((os.path.basename(path), json.loads(out.stdout.strip().splitlines()[-1])))
    print(f"{'spec':28s} {'spec->backend':>14s} {'parse':>8s} {'passes':>8s} {'generate':>9s} {'import':>8s}")
    for name, r in rows:
        print(f"{name:28s} {r['spec_to_backend'] * 1e3:12.0f}ms {r['parse'] * 1e3:6.0f}ms {r['passes'] * 1e3:6.0f}ms "
              f"{r['generate'] * 1e3:7.0f}ms {r['import'] * 1e3:6.0f}ms")
    worst = max(r["spec_to_backend"] for _, r in rows)
    print(f"worst {worst * 1e3:.0f} ms (target < 1000 ms); torch import {rows[0][1]['torch_import'] * 1e3:.0f} ms "
          f"not included")


if __name__ == "__main__":
    main()
