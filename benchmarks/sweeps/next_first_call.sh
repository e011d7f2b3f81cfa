#!/usr/bin/env bash
# The next session's first call (one GPU, about 8 minutes, timeout_s 590), written in session 63 (RESULTS "Session
# 63": the table on the current code, then three knobs of the delta rule's backward made defaults after it).
# (1) GPU tests of session 63's defaults: the grid order (bit 32 now default), du made from dv, the bf16 pair terms.
# (2) RWKV-7 with its pair terms D0 in bf16 (CA_D0_BF16=1; the default keeps a per-dimension gate's in fp32 until
#     checked): the checks at gate x1 and x10 decide (dkappa was 0.41 of tolerance), then the time (Gated DeltaNet
#     gained -1.3 % and 228 MB from it at 4x4096x64x128). Make it the default for every gate where it wins.
# (3) The grid order's bit 16 (the read-outs from pair scores, which GLA, KDA and RWKV-7 launch in value blocks of
#     32-64) against the default 39, 4x4096x64x128: 55 = 39 + 16.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
timeout 90 python3 -m pytest -q -n 14 -rf -p no:cacheprovider -p no:benchmark tests/test_grid_order.py \
  tests/test_chunk_adjoint.py -k "grid or du_made_from_dv or as_accurate_as_the_default or intermediates" \
  > "$OUT/tests.txt" 2>&1
grep -E "^FAILED|^ERROR|passed|failed" "$OUT/tests.txt" | head -20
echo "tests done at ${SECONDS}s"
timeout 130 python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 --bench-shape 4,4096,64,128 \
  --variants "CA_D0_BF16=1" --budget 120 --out "$OUT/d0_rwkv7" 2>&1 | quiet | grep -v "^variant sweep" | tail -2
echo "rwkv7 d0 done at ${SECONDS}s"
timeout 330 python3 benchmarks/variant_sweep.py --isolate --specs gla,kda,rwkv7 --bench-shape 4,4096,64,128 \
  --variants "GRID_VADJ=55" --budget 315 --out "$OUT/vadj55" 2>&1 | quiet | grep -v "^variant sweep" | tail -6
echo "all done at ${SECONDS}s"
