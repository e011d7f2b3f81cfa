#!/usr/bin/env bash
# Session 21, call 3 (nvidia-h200, one GPU, at most 10 minutes): the gated read-outs' rows per program (GATED_ROWS=64:
# one program per chunk and 32-wide value block, the state block loaded once per chunk) and warps (8: call 2 found
# two warps 18 % slower in KDA's forward+backward than four), KDA at 2x16384x16x128, each variant in its own
# process, checks at gate x1 and x10; then KDA's and RWKV-7's table rows (fla's five shapes, one wave) with the
# variant of the lowest forward+backward time among those whose checks passed and that beat the default by more
# than 1 % (the environment it ran with is printed, and the table's logs carry it).
set -u
timeout 330 python3 benchmarks/variant_sweep.py --isolate --specs kda \
  --variants "GATED_ROWS=64;SUB_GATED_WARPS=8" \
  --bench-shape 2,16384,16,128 --budget 250 --out "$OUT/kda" 2>&1 | grep -A4 "^variant sweep, each"
WIN=$(python3 - "$OUT/kda/variant_sweep.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["rows"]
base = next(r for r in rows if r["variant"] == "default")
good = [r for r in rows if r.get("ok") and r["variant"] != "default" and r["fb_ms"] < 0.99 * base["fb_ms"]]
print(min(good, key=lambda r: r["fb_ms"])["variant"] if good else "")
PY
)
echo "table variant: ${WIN:-default}"
for kv in ${WIN//,/ }; do export "LINDSL_TUNE_$kv"; done
env | grep LINDSL_TUNE_ || true
TABLE_GPU0="kda:kda rwkv7:rwkv7" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=$((560 - SECONDS - 40)) \
  JOB_TIMEOUT=$((585 - SECONDS)) MAX_PROCS=8 bash benchmarks/sweeps/table_call.sh
true
