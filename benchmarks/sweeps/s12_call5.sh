#!/usr/bin/env bash
# Session 12, call 5 (nvidia-h200-x2, the last 288 device seconds): the rows call 4's table lost at 2x16384x16x128
# (its h16 processes on GPU 0 hit their timeout queued behind the GPU lock) for RetNet, Mamba-2, DeltaNet, GLA and
# HGRN2, same code (checked at gate x1 and x10 in call 4), same script, three processes.
set -u
export TORCHINDUCTOR_COMPILE_THREADS=1
COMMON="--seed-triton-results benchmarks/triton-autotune --fla-configs benchmarks/fla_configs.json --deadline ${DEADLINE:-140}"
rm -rf /tmp/barrier /tmp/gpu0.lock /tmp/gpu1.lock /tmp/host.lock
mkdir -p "$OUT/g0" "$OUT/g1"
run() {  # gpu tag specs
  ( CUDA_VISIBLE_DEVICES=$1 timeout "${JOB_TIMEOUT:-165}" python3 benchmarks/fla_table.py --tag "$2" --lock /tmp/gpu$1.lock \
      --host-lock /tmp/host.lock --barrier /tmp/barrier --peers 3 --out "$OUT/g$1" $COMMON --specs "$3" \
      --shapes 2,16384,16,128 > "$OUT/g$1/$2.log" 2>&1; echo "exit $?" >> "$OUT/g$1/$2.log" ) &
}
run 0 sgla_h16b retnet,mamba2
run 0 dn_h16b deltanet
run 1 gla_h16b gla,hgrn2
wait
grep -h -E "x[0-9]+x[0-9]+x[0-9]+ +lindsl|exit" "$OUT"/g*/*.log
(cd "$OUT" && tar czf table5.tar.gz g* && rm -rf g*)
