#!/usr/bin/env bash
# The first device call of the next session (nvidia-h200, one GPU, about 8 minutes), for what session 18 left:
#   1. LINDSL_TUNE_READ_SPLIT=1 (unmeasured, default off): the unfolded rank-one reads (the delta rule's adjoint) in
#      two passes over the contraction, one score tile live at a time; ptxas for sm_90 at DeltaNet's adjoint value-side
#      read: 255 registers and 36 bytes of spill -> 248 and none (bit-identical results on the CPU). A launch knob:
#      one process per spec is fair. Then DeltaNet's forward+backward by kernel with it.
#   2. Mamba-2's forward at 2x16384x16x128: 1.134 ms in session 18's table against 0.766 in session 16's (other
#      shapes and RetNet unchanged; the CPU shows identical launches and glue). Each side alone (--isolate), then by
#      kernel.
set -u
timeout 150 python3 benchmarks/variant_sweep.py --specs deltanet,gated_deltanet --variants "READ_SPLIT=1" \
  --bench-shape 2,16384,16,128 --budget 120 --out "$OUT/split" 2>&1 | grep -A5 "^variant sweep"
LINDSL_TUNE_READ_SPLIT=1 timeout 75 python3 benchmarks/profile_phases.py --specs deltanet --shape 2,16384,16,128 \
  --detail 12 --out "$OUT/prof_split" 2>&1 | grep -v -i warn | grep -A14 "deltanet lindsl fb"
timeout 150 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --variants "TOKEN_LAYOUT=0" \
  --bench-shape 2,16384,16,128 --budget 120 --out "$OUT/m2" 2>&1 | grep -A4 "^variant sweep, each"
timeout 75 python3 benchmarks/profile_phases.py --specs mamba2 --shape 2,16384,16,128 --detail 12 \
  --out "$OUT/prof_m2" 2>&1 | grep -v -i warn | grep -A14 "mamba2 lindsl fwd"
