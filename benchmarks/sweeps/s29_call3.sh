#!/usr/bin/env bash
# Session 29, call 3 (nvidia-h200, one GPU, about 6 minutes):
# 1. the rescan's dx read from the adjoint's pair scores (FLIPPED_RESCAN, the new default) against its own, GLA and
#    HGRN2 at 2x16384x16x128, each variant in its own process (checks at gate x1 and x10);
# 2. RWKV-7 with the gate gradient's kernel (GATE_GRAD_KERNEL, now the default for rank-one factors: KDA 20.986 ->
#    20.664 ms in call 2) against the glue's form;
# 3. GLA by launch (forward+backward, 2x16384x16x128), if time is left.
set -u
timeout 200 python3 benchmarks/variant_sweep.py --isolate --specs gla,hgrn2 --variants "FLIPPED_RESCAN=0" \
  --bench-shape 2,16384,16,128 --budget 180 --out "$OUT/rescan" 2>&1 | grep -A5 "^variant sweep, each"
echo "FLIPPED_RESCAN done at ${SECONDS}s"
[ "$SECONDS" -lt 230 ] && timeout $((380 - SECONDS)) python3 benchmarks/variant_sweep.py --isolate --specs rwkv7 \
  --variants "GATE_GRAD_KERNEL=0" --bench-shape 2,16384,16,128 --budget $((360 - SECONDS)) --out "$OUT/rwkv7" \
  2>&1 | grep -A3 "^variant sweep, each"
echo "RWKV-7 done at ${SECONDS}s"
[ "$SECONDS" -lt 370 ] && timeout 60 python3 benchmarks/launch_trace.py --specs gla --shape 2,16384,16,128 \
  --out "$OUT/trace_gla" 2>&1 | grep -v -i warn | head -45
echo "trace done at ${SECONDS}s"
true
