"""The newest measured row of every (family, shape) in RESULTS.md's table sections (not a test): RESULTS.md is
newest first, so the first row met for a (spec, shape) is its latest measurement; each row keeps the session and the
subsection it came from. Prints a markdown table:

    python3 benchmarks/latest_table.py [benchmarks/RESULTS.md]
"""
import re
import sys

HEADER = ("lindsl fwd", "fla fwd", "fla/lindsl fwd", "lindsl f+b", "fla f+b", "fla/lindsl f+b")
SHAPES = ["4×2048×16×128", "4×4096×64×128", "8×1024×8×64", "1×8192×96×128", "2×16384×16×128"]


def latest_rows(text):
    """{(spec, shape): (session, subsection, cells)} for the table format of fla_table.py's rows."""
    rows, session, subsection, columns, skip = {}, "", "", None, False
    for line in text.splitlines():
        if line.startswith("## "):
            session, subsection, columns = re.sub(r" \(.*", "", line[3:]), "", None
            skip = session.startswith("The current table")  # this script's own output, once pasted in
        elif line.startswith("### "):
            subsection, columns = line[4:].split(":")[0], None
        elif line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if skip:
                continue
            if all(h in cells for h in HEADER):
                columns = cells
            elif columns and len(cells) == len(columns) and not set(cells[0]) <= set("-"):
                row = dict(zip(columns, cells))
                key = (row.get("spec"), row.get("B×T×H×D"))
                if key[1] in SHAPES and key not in rows:
                    rows[key] = (session, subsection, row)
        else:
            columns = columns if line.strip() == "" else None
    return rows


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "benchmarks/RESULTS.md"
    rows = latest_rows(open(path, encoding="utf-8").read())
    cols = ["lindsl fwd", "fla fwd", "fla/lindsl fwd", "lindsl f+b", "fla f+b", "fla/lindsl f+b",
            "roofline/lindsl fwd", "peak MB lindsl / fla"]
    print("| spec | B×T×H×D | " + " | ".join(cols) + " | measured in |")
    print("|" + "---|" * (len(cols) + 3))
    specs = list(dict.fromkeys(spec for spec, _ in sorted(rows, key=lambda k: k[0])))
    for spec in specs:
        for shape in SHAPES:
            if (spec, shape) in rows:
                session, subsection, row = rows[spec, shape]
                print(f"| {spec} | {shape} | " + " | ".join(row.get(c, "–").replace("**", "") for c in cols)
                      + f" | {session}, {subsection} |")


if __name__ == "__main__":
    main()
