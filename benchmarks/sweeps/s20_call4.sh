#!/usr/bin/env bash
# Session 20, call 4 (nvidia-h200, one GPU, at most 5 minutes): where KDA's forward went in chunks of 64 (call 3:
# 6.906 -> 9.342 ms), by kernel at 2x16384x16x128: chunks of 16 (the default), chunks of 64, chunks of 64 with
# 32-wide value blocks in the state pass; and the default with fp32 u (U_BF16=0, session 19's bf16 u for gated
# forwards, not yet compared).
set -u
prof() {  # tag, then environment assignments
  local tag=$1; shift
  [ "$SECONDS" -lt 250 ] || { echo "$tag: skipped (time)"; return; }
  env "$@" timeout $((290 - SECONDS)) python3 benchmarks/profile_phases.py --specs kda --shape 2,16384,16,128 \
    --detail 10 --out "$OUT/$tag" > "$OUT/$tag.log" 2>&1
  echo "== $tag ($*)"; grep -A11 "kda lindsl f" "$OUT/$tag.log" | grep -v -i warn
}
mkdir -p "$OUT"
prof c16 LINDSL_TUNE_R1_CHUNK=16
prof c64 LINDSL_TUNE_R1_CHUNK=64
prof c64bv32 LINDSL_TUNE_R1_CHUNK=64 LINDSL_TUNE_STATE_BV=32 LINDSL_TUNE_STORE_H_STAGES=2
prof u32 LINDSL_TUNE_U_BF16=0
true
