# Helpers for the sweep scripts (source it; the scripts before session 42 repeat these lines as they ran).
# quiet: drops PyTorch's and Triton's warning lines from a stream.
# checks LABEL "SPEC:GATE,GATE SPEC:GATE ..." [NAME=VALUE ...]: gpu_suite.correctness at 2x1024x4x128 for each spec
#   and gate scale, in one process with the given environment, one PASS/FAIL line each (worst ratio to tolerance)
#   and one of every output's and gradient's error / tolerance.
# call_start [LIMIT]: a call script's start: the kernels compiled for the GPU (TRITON_INTERPRET=0), LIMIT (the call's
#   timeout_s; default 590) set for fits and small_d_rest, the GPU's name printed.
call_start() { export TRITON_INTERPRET=0; LIMIT=${1:-590}; nvidia-smi --query-gpu=name --format=csv,noheader; }
quiet() { grep -v -i "warning:\|warnings.warn\|online softmax\|split the reduction\|important use case\|^$\|_warn_once"; }
checks() {
  local label=$1 specs=$2; shift 2
  env "$@" timeout "${CHECK_TIMEOUT:-100}" python3 - "$label" "$specs" <<'PY' 2>&1 | quiet
import sys
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
for item in sys.argv[2].split():
    name, gates = item.split(":")
    for gate in map(float, gates.split(",")):
        rows, _ = gs.correctness(name, 2, 1024, 4, 128, gate)
        worst = max(rows, key=lambda r: r[1] / r[2])
        bad = [r for r in rows if not r[1] <= r[2]]
        print(sys.argv[1], name, "gate", gate, "PASS" if not bad else "FAIL", "worst", worst, "bad", bad, flush=True)
        print("   ", " ".join(f"{r[0]} {r[1]:.1e}/{r[2]:.0e}" for r in rows), flush=True)
PY
}
# fits SECONDS: whether a part taking that long still ends 5 s before LIMIT (the call's timeout_s; default 590).
fits() { [ $((SECONDS + $1)) -le $((${LIMIT:-590} - 5)) ]; }
# gpu_tests EXPR FILE...: the tests of FILE... selected by -k EXPR on the GPU (14 workers, 75 s at most) into
#   $OUT/tests.txt, their failures and counts printed.
gpu_tests() {
  local expr=$1; shift
  timeout 75 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark "$@" -k "$expr" > "$OUT/tests.txt" 2>&1
  grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
  echo "tests done at ${SECONDS}s"
}
# variants SECONDS SPEC "K=V;K=V,K2=V2" NAME: variant_sweep.py at 4x4096x64x128 (SHAPE overrides), each variant
#   and the default in its own process, checked at gate x1 and x10, within SECONDS if they still fit; the table's
#   rows printed, the JSON under $OUT/NAME.
variants() {
  local t=$1 spec=$2 list=$3 name=$4
  fits "$t" || return 0
  timeout "$t" python3 benchmarks/variant_sweep.py --isolate --specs "$spec" --bench-shape "${SHAPE:-4,4096,64,128}" \
    --variants "$list" --budget $((t - 12)) --out "$OUT/$name" 2>&1 | quiet | grep -v "^variant sweep" \
    | tail -$(($(tr -cd ';' <<< "$list" | wc -c) + 2))
}
# small_d_rest DIMS: small_d_check.py at DIMS (e.g. 16 or 16,32) in the seconds left before LIMIT, if over 60; its
#   lines into $OUT/small_d.txt as they come (kept if the call's limit cuts it), the non-PASS ones printed.
small_d_rest() {
  local left=$((${LIMIT:-590} - SECONDS - 8))
  [ "$left" -gt 60 ] || return 0
  timeout "$left" python3 benchmarks/small_d_check.py --dims "$1" --jobs 16 --timeout $((left - 5)) 2>&1 | quiet \
    | tee "$OUT/small_d.txt" | grep -v " PASS " | tail -40
}
