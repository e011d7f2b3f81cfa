#!/usr/bin/env bash
# Issue 4's table in one call of the device tool (nvidia-h200-x2): every fla-covered family at fla's five benchmark
# shapes against fla and SDPA (each spec checked at gate x1 and x10 first), plus D=256 (lindsl only, checked first). One process per (fla op family, shape group)
# runs benchmarks/fla_table.py; processes on a GPU compile in parallel, share its timing through a file lock and
# measure after a barrier (see fla_table.py). Everything is packed into $OUT/all.tar.gz.
set -u
H16='4,2048,16,128;2,16384,16,128'
SHAPE_GROUPS=("h16:$H16" "h64:4,4096,64,128" "h96:1,8192,96,128" "d64:8,1024,8,64")
# TABLE_SHAPES (space-separated tag:shapes) overrides the shape groups; the checks ride with a group tagged h16
[ -n "${TABLE_SHAPES-}" ] && read -r -a SHAPE_GROUPS <<< "$TABLE_SHAPES"
# TABLE_GPU0 / TABLE_GPU1 (space-separated tag:specs) override the split; on one GPU: TABLE_GPU1="" WITH_D256=0
# (the D = 256 rows run on GPU 1)
read -r -a GPU0 <<< "${TABLE_GPU0-sgla:retnet,mamba2 gla:gla,hgrn2 dn:deltanet rwkv6:rwkv6}"
read -r -a GPU1 <<< "${TABLE_GPU1-gdn:gated_deltanet kda:kda rwkv7:rwkv7}"
DEADLINE=${DEADLINE:-380}
JOB_TIMEOUT=${JOB_TIMEOUT:-540}
export TORCHINDUCTOR_COMPILE_THREADS=1
# ROUNDS: host-bound shapes timed lindsl / fla in turn that many times (fla_table.py --rounds; default one each)
COMMON="--seed-triton-results benchmarks/triton-autotune --fla-configs benchmarks/fla_configs.json --deadline $DEADLINE --rounds ${ROUNDS:-1}"
rm -rf /tmp/gpu0.lock /tmp/gpu1.lock /tmp/host.lock
FLA_TABLE=${FLA_TABLE:-benchmarks/fla_table.py}  # a stand-in that prints its arguments tries the schedule on a CPU
launch() {  # gpu peers tag args...
  local g=$1 n=$2 tag=$3; shift 3
  mkdir -p "$OUT/g$g"
  ( CUDA_VISIBLE_DEVICES=$g timeout "$JOB_TIMEOUT" python3 "$FLA_TABLE" --tag "$tag" --lock /tmp/gpu$g.lock \
      $([ "${HOST_LOCK:-1}" = 1 ] && echo --host-lock /tmp/host.lock) --barrier /tmp/barrier --peers "$n" --out "$OUT/g$g" $COMMON "$@" > "$OUT/g$g/$tag.log" 2>&1
    echo "exit $?" >> "$OUT/g$g/$tag.log" ) &
  pids+=($!)
}
check() { [ "${1%%:*}" = h16 ] && echo "--check-shape ${CHECK_SHAPE:-2,4096,8,128}"; }  # the checks ride with one group
# the jobs, "gpu tag args" (one process per family group and shape group)
jobs=()
for fam in "${GPU0[@]}"; do for grp in "${SHAPE_GROUPS[@]}"; do
  jobs+=("0 ${fam%%:*}_${grp%%:*} --specs ${fam#*:} --shapes ${grp#*:} $(check "$grp")")
done; done
for fam in "${GPU1[@]}"; do for grp in "${SHAPE_GROUPS[@]}"; do
  jobs+=("1 ${fam%%:*}_${grp%%:*} --specs ${fam#*:} --shapes ${grp#*:} $(check "$grp")")
done; done
[ "${WITH_D256:-1}" = 1 ] && jobs+=("1 d256 --specs retnet,linear_attn,gla,deltanet --no-fla --check-shape 1,2048,4,256 --shapes 2,8192,16,256")
# in waves of at most MAX_PROCS processes (default: all at once), one after the other: sixteen processes on one H200
# ran out of GPU memory while warming up and past their deadline (session 18, call 2); twelve finished (call 3).
# Within a wave one barrier for both GPUs (no process times while another still compiles: CPU load); host-bound
# shapes are timed one at a time across the GPUs (--host-lock; HOST_LOCK=0 leaves it out: session 12's table lost
# three GPU-0 processes to their timeout with it). DEADLINE and JOB_TIMEOUT count from each process's start.
wave=${MAX_PROCS:-${#jobs[@]}}
for ((w = 0; w < ${#jobs[@]}; w += wave)); do
  rm -rf /tmp/barrier
  pids=()
  batch=("${jobs[@]:w:wave}")
  for job in "${batch[@]}"; do
    read -r g tag rest <<< "$job"
    launch "$g" "${#batch[@]}" "$tag" $rest
  done
  for p in "${pids[@]}"; do wait "$p"; done
done
for g in 0 1; do [ -d "$OUT/g$g" ] || continue; echo "== GPU $g"; grep -h -E "done|ERROR|exit|Timeout|barrier|^check|PASS|FAIL" "$OUT"/g$g/*.log | head -60; done
for g in 0 1; do [ -d "$OUT/g$g" ] && grep -h -E "x[0-9]+x[0-9]+x[0-9]+ +lindsl" "$OUT"/g$g/*.log; done
(cd "$OUT" && tar czf all.tar.gz g* && rm -rf g*)
true
