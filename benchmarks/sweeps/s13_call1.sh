#!/usr/bin/env bash
# Session 13, call 1 (nvidia-h200-x2), about 8 minutes.
#   phase A, one profile process per spec (two per GPU, profiles one at a time per GPU): kernel time per phase of
#     lindsl and fla at 2x16384x16x128 for the rank-one families after session 12's bf16 changes (NOTES v14 order 1);
#   phase B, both GPUs: sequence parallelism with the summary's state pass in the op's forward precision (bf16
#     products; LINDSL_TUNE_SP_SUMMARY_PREC=tf32 is session 12's): correctness and P=2 vs P=1 for GLA and RetNet at
#     32K and 64K tokens per rank, the new default then tf32.
set -u
export TORCHINDUCTOR_COMPILE_THREADS=1
rm -rf /tmp/prof0.lock /tmp/prof1.lock /tmp/profbar0 /tmp/profbar1
pids=()
for job in 0:deltanet 0:gated_deltanet 1:kda 1:rwkv7; do
  IFS=: read -r g s <<< "$job"
  dir="$OUT/prof/$s"; mkdir -p "$dir"
  ( export CUDA_VISIBLE_DEVICES=$g
    timeout "${PHASE_A:-230}" python3 benchmarks/profile_phases.py --specs "$s" --shape 2,16384,16,128 \
      --lock /tmp/prof$g.lock --barrier /tmp/profbar$g --peers 2 --out "$dir" > "$dir/log.txt" 2>&1
    echo "exit $?" >> "$dir/log.txt" ) &
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
for f in "$OUT"/prof/*/log.txt; do echo "== $f"; grep -v "^\s*$" "$f" | grep -v "Warning\|warn" | cut -c1-600; done
(cd "$OUT" && tar czf prof.tar.gz prof && rm -rf prof)
for prec in bf16 tf32; do
  mkdir -p "$OUT/sp_$prec"
  LINDSL_TUNE_SP_SUMMARY_PREC=$prec timeout "${PHASE_B:-140}" torchrun --standalone --nproc_per_node 2 \
    benchmarks/sp_suite.py --out "$OUT/sp_$prec" --specs gla,retnet --check-t 16384 --bench-specs gla,retnet \
    --t-rank 32,64 --schedules allgather --reps 3 --budget 90 > "$OUT/sp_$prec/sp.log" 2>&1
  echo "sp $prec exit $?" >> "$OUT/sp_$prec/sp.log"
  echo "==== SP summary precision $prec"
  grep -v "Warning\|warn" "$OUT/sp_$prec/sp.log" | grep -v "^projection" | tail -n 24
done
(cd "$OUT" && tar czf sp.tar.gz sp_* && rm -rf sp_*)
