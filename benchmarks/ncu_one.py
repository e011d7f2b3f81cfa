"""One forward+backward of a family under Nsight Compute: warm-up calls outside the profiled range, then one call
inside it (cudaProfilerStart/Stop), so `ncu --profile-from-start off -k regex:<kernel> --launch-count 1` reads
the hardware counters of one launch of one kernel at the size that is benchmarked. GPU only:

    ncu --clock-control none --profile-from-start off -k regex:_read_amat_gated --launch-count 1 \\
        --section SpeedOfLight --section WarpStateStats python3 benchmarks/ncu_one.py --spec gla --who lindsl
"""
import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fla_table  # noqa: E402
import gpu_suite as gs  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--spec", required=True)
    p.add_argument("--shape", default="2,16384,16,128")
    p.add_argument("--who", choices=("lindsl", "fla"), default="lindsl")
    p.add_argument("--fla-configs", default="benchmarks/fla_configs.json")
    a = p.parse_args()
    B, T, H, D = map(int, a.shape.split(","))
    if a.who == "fla":
        fla_table.load_configs(a.fla_configs)
    _, fb, _ = (gs.fla_fns if a.who == "fla" else gs.lindsl_fns)(a.spec, B, T, H, D)
    for _ in range(2):
        fb()
    torch.cuda.synchronize()
    torch.cuda.profiler.start()
    fb()
    torch.cuda.synchronize()
    torch.cuda.profiler.stop()
    print(f"{a.who} {a.spec} {a.shape}: one forward+backward profiled", flush=True)


if __name__ == "__main__":
    main()
