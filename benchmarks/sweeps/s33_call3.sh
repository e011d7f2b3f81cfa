#!/usr/bin/env bash
# Session 33, call 3 (nvidia-h200, one GPU, about 6 minutes): the table's host-bound rows (4x2048x16x128 and
# 8x1024x8x64) from the code with the backward glue eager below GLUE_COMPILE_MIN elements, for the families of call 2's
# A/B and their siblings; each spec checked at gate x1 and x10 with the h16 group (2x4096x8x128: eager glue too).
set -u
TABLE_SHAPES="h16:4,2048,16,128 d64:8,1024,8,64" TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 dn:deltanet,gated_deltanet" \
  TABLE_GPU1="" WITH_D256=0 DEADLINE=290 JOB_TIMEOUT=350 MAX_PROCS=6 bash benchmarks/sweeps/table_call.sh
echo "table done at ${SECONDS}s"
true
