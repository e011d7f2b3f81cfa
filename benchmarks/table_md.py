"""Markdown table of benchmarks/fla_table.py results: python3 benchmarks/table_md.py [LABEL=]DIR_OR_JSON... (issue
4's table in RESULTS.md). Rows sorted by family then shape; ratios are fla/lindsl (>1: lindsl faster) and
roofline/lindsl for the forward. With LABEL= on any argument (e.g. c2=/tmp/s18c2/table/g0) a first column says
which call measured each row (a table assembled from several calls)."""
import glob
import json
import os
import sys

ORDER = ["retnet", "mamba2", "gla", "hgrn2", "rwkv6", "deltanet", "gated_deltanet", "kda", "rwkv7",
         "linear_attn"]
SHAPES = [[4, 2048, 16, 128], [4, 4096, 64, 128], [8, 1024, 8, 64], [1, 8192, 96, 128], [2, 16384, 16, 128]]


def rows(paths):
    for arg in paths:
        label, _, p = arg.rpartition("=")
        for f in sorted(glob.glob(os.path.join(p, "table_*.json"))) if os.path.isdir(p) else [p]:
            with open(f) as fh:
                for r in json.load(fh)["rows"]:
                    yield {**r, "label": label}


def main(paths):
    def key(r):
        s = r["shape"]
        return (ORDER.index(r["spec"]) if r["spec"] in ORDER else 99, SHAPES.index(s) if s in SHAPES else 99, s)

    def ms(v):
        return f"{v:.3f}" if isinstance(v, float) else "–"

    def mb(v):
        return f"{v:.0f}" if isinstance(v, float) else "–"

    def ratio(a, b):
        return f"{a / b:.2f}×" if isinstance(a, float) and isinstance(b, float) and b > 0 else "–"

    labelled = any("=" in p for p in paths)
    print("| call " * labelled + "| spec | B×T×H×D | lindsl fwd | fla fwd | fla/lindsl fwd | lindsl f+b | fla f+b | fla/lindsl f+b "
          "| SDPA fwd / f+b | roofline/lindsl fwd | peak MB lindsl / fla |")
    print("|---" * labelled + "|---|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(rows(paths), key=key):
        print(f"| {r['label']} " * labelled + f"| {r['spec']} | {'×'.join(map(str, r['shape']))} | {ms(r.get('lindsl_fwd'))} | {ms(r.get('fla_fwd'))} "
              f"| {ratio(r.get('fla_fwd'), r.get('lindsl_fwd'))} | {ms(r.get('lindsl_fb'))} | {ms(r.get('fla_fb'))} "
              f"| {ratio(r.get('fla_fb'), r.get('lindsl_fb'))} | {ms(r.get('sdpa_fwd'))} / {ms(r.get('sdpa_fb'))} "
              f"| {ratio(r.get('roofline_fwd'), r.get('lindsl_fwd'))} "
              f"| {mb(r.get('lindsl_mem'))} / {mb(r.get('fla_mem'))} |")


if __name__ == "__main__":
    main(sys.argv[1:])
