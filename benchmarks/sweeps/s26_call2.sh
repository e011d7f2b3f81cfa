#!/usr/bin/env bash
# Session 26, call 2 (nvidia-h200, one GPU, about 9 minutes), code with gauged reads by value block by default:
# 1. Mamba-2 at 4x4096x64x128 (256 sequences) with GAUGE_BLOCKS=0 against the new default, each in its own process
#    (call 1 measured 32 sequences only);
# 2. table rows of RetNet, Mamba-2, GLA and HGRN2 (RetNet's, GLA's and HGRN2's last rows ran session 18's code):
#    fla's five shapes, one wave of eight processes of two specs each, checks at gate x1 and x10.
set -u
timeout 160 python3 benchmarks/variant_sweep.py --isolate --specs mamba2 --variants "GAUGE_BLOCKS=0" \
  --bench-shape 4,4096,64,128 --budget 140 --out "$OUT/gauge" 2>&1 | grep -A3 "^variant sweep, each"
echo "A/B done at ${SECONDS}s"
left=$((585 - SECONDS))
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=250 \
  JOB_TIMEOUT=$((left - 10)) MAX_PROCS=8 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
true
