#!/usr/bin/env bash
# Session 41, call 2 (one H200): the chunk-level adjoint's launch knobs (LINDSL_TUNE_CHUNK_ADJOINT=1). Call 1 found
# its merged value-side read over hend at 1.34 ms (two R = 0 reads, eight warps, 253 registers) against 0.32 ms for
# the unmerged D0 read, and Gated DeltaNet's pass 1.92 ms in tf32 (PASS_PREC=bf16: -0.88 ms). (1) Checks of the
# likely combination (unmerged adjoint reads, the gated pass in bf16) at gate x1 and x10; (2) launch variants at
# 2x16384x16x128 against the default, interleaved in one process (R0_TILE_BF16: bf16 tile products in the reads
# without rank-one factors); (3) the other shapes, while time is left.
set -u
export TRITON_INTERPRET=0
LINDSL_TUNE_CHUNK_ADJOINT=1 LINDSL_TUNE_PASS_PREC=bf16 LINDSL_TUNE_PLAIN_MERGE=0 timeout 120 python3 - <<'PY'
import sys
sys.path.insert(0, "benchmarks")
import gpu_suite as gs
for name in ("deltanet", "gated_deltanet"):
    for gate in (1.0, 10.0):
        rows, _ = gs.correctness(name, 2, 1024, 4, 128, gate)
        worst = max(rows, key=lambda r: r[1] / r[2])
        bad = [r for r in rows if not r[1] <= r[2]]
        print("chunk adjoint, PASS_PREC=bf16 PLAIN_MERGE=0:", name, "gate", gate, "PASS" if not bad else "FAIL",
              "worst", worst, "bad", bad, flush=True)
PY
echo "checks done at ${SECONDS}s"
quiet() { grep -v -i "warning:\|warnings.warn\|online softmax\|split the reduction\|important use case\|^$\|_warn_once"; }
timeout 150 python3 benchmarks/host_ab.py --specs deltanet --shapes 2,16384,16,128 --variants \
  "CHUNK_ADJOINT=1;CHUNK_ADJOINT=1,PLAIN_MERGE=0;CHUNK_ADJOINT=1,READ_WARPS=4;CHUNK_ADJOINT=1,PASS_BV=64;CHUNK_ADJOINT=1,PASS_BV=64,PASS_WARPS=8;CHUNK_ADJOINT=1,PASS_STAGES=1;CHUNK_ADJOINT=1,WYB_BK=32;CHUNK_ADJOINT=1,R0_TILE_BF16=1;CHUNK_ADJOINT=1,R0_TILE_BF16=1,PLAIN_MERGE=0" \
  --rounds 2 --no-fla 2>&1 | quiet
echo "host_ab deltanet done at ${SECONDS}s"
timeout 150 python3 benchmarks/host_ab.py --specs gated_deltanet --shapes 2,16384,16,128 --variants \
  "CHUNK_ADJOINT=1,PASS_PREC=bf16;CHUNK_ADJOINT=1,PASS_PREC=bf16,PLAIN_MERGE=0;CHUNK_ADJOINT=1,PASS_PREC=bf16,READ_WARPS=4;CHUNK_ADJOINT=1,PASS_PREC=bf16,PASS_BV=64,PASS_WARPS=8;CHUNK_ADJOINT=1,PASS_PREC=bf16,PASS_STAGES=1;CHUNK_ADJOINT=1,PASS_PREC=bf16,R0_TILE_BF16=1,PLAIN_MERGE=0" \
  --rounds 2 --no-fla 2>&1 | quiet
echo "host_ab gated_deltanet done at ${SECONDS}s"
for shape in 4,2048,16,128 8,1024,8,64 4,4096,64,128 1,8192,96,128; do
  for spec in deltanet gated_deltanet; do
    if [ "$SECONDS" -gt 500 ]; then echo "skipped $spec $shape (time)"; continue; fi
    extra=""; [ "$spec" = gated_deltanet ] && extra=",PASS_PREC=bf16"
    timeout 60 python3 benchmarks/host_ab.py --specs $spec --shapes $shape --variants \
      "CHUNK_ADJOINT=1$extra;CHUNK_ADJOINT=1$extra,PLAIN_MERGE=0" --rounds 2 --no-fla 2>&1 | quiet
  done
done
echo "all done at ${SECONDS}s"
