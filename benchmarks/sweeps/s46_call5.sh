#!/usr/bin/env bash
# Session 46, call 5 (one H200, the session's last ~5 device minutes): the trial knob CA_DBK_BF16=1 (the merged
# adjoint read's parts of db and dk in bf16, their gauge terms summed by the read in fp32; CPU: peak -256 MB for
# Gated DeltaNet and DeltaNet at 2x16384x16x128, interpreter errors at fla's level, ptxas: the reads 227 -> 167 and
# 254 -> 244 registers, the WY backward's spill 56/80 -> 12/24 B): checks at gate x1 and x10, then an A/B.
set -u
export TRITON_INTERPRET=0
unset LINDSL_TUNE_CHUNK_ADJOINT
. benchmarks/sweeps/lib.sh
CHECK_TIMEOUT=70 checks "dbk:" "gated_deltanet:1,10 deltanet:10" LINDSL_TUNE_CA_DBK_BF16=1
echo "checks done at ${SECONDS}s"
for s in gated_deltanet deltanet; do
  timeout 60 python3 benchmarks/host_ab.py --specs $s --shapes 2,16384,16,128 --rounds 3 --no-fla \
    --variants "CA_DBK_BF16=1" 2>&1 | quiet
  echo "$s done at ${SECONDS}s"
done
