#!/usr/bin/env bash
# Session 36 call 3 (one H200): the adjoint's flipped inputs as one Triton copy each where the backward's glue runs
# eagerly (time_reversed; LINDSL_TUNE_REV_COPY=0 restores PyTorch's pad/shift/flip).
# (1) Interleaved A/B in one process per spec and shape, without fla: DeltaNet and RetNet at 2x16384x16x128 and
#     4x2048x16x128 against REV_COPY=0; at 4x4096x64x128 (compiled glue by the size rule) against BWD_GLUE=eager
#     (is the eager glue, now without PyTorch's flips, faster where no gate needs a gradient?).
# (2) Table rows (with the GPU checks at gate x1 and x10) for DeltaNet, RetNet and Mamba-2 at 4x2048x16x128 and
#     2x16384x16x128 against fla: the rows kernels at every size (call 1) and the copies.
set -u
export TRITON_INTERPRET=0
for job in deltanet:2,16384,16,128:REV_COPY=0 retnet:2,16384,16,128:REV_COPY=0 deltanet:4,2048,16,128:REV_COPY=0 \
           deltanet:4,4096,64,128:BWD_GLUE=eager retnet:4,4096,64,128:BWD_GLUE=eager; do
  IFS=: read -r spec shape var <<< "$job"
  left=$((230 - SECONDS)); [ "$left" -lt 30 ] && { echo "skipped $job" | tee -a "$OUT/host_ab.txt"; continue; }
  timeout "$left" python3 benchmarks/host_ab.py --specs "$spec" --shapes "$shape" --variants "$var" \
    --rounds 3 --no-fla 2>&1 | grep -v -i "warning:\|warnings.warn" | tee -a "$OUT/host_ab.txt"
done
echo "A/B done at ${SECONDS}s"
mkdir -p "$OUT/table"
OUT="$OUT/table" TABLE_SHAPES="h16:4,2048,16,128;2,16384,16,128" TABLE_GPU0="dn:deltanet sgla:retnet,mamba2" \
  TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=200 JOB_TIMEOUT=$((575 - SECONDS)) \
  bash benchmarks/sweeps/table_call.sh
mkdir -p /tmp/pack && mv "$OUT"/* /tmp/pack/ && tar czf "$OUT/out.tgz" -C /tmp/pack .
true
