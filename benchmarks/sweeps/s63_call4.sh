#!/usr/bin/env bash
# Session 63, call 4 (one H100, about 4 minutes, timeout_s 330, warm machine): call 3's host-bound rows again, two
# processes at a time (call 3 ran seven at once; several rows moved by 2x against session 58's: is it the load?).
set -u
export TRITON_INTERPRET=0
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6 rwkv7:rwkv7 dn:deltanet gdn:gated_deltanet kda:kda" \
  TABLE_GPU1="" WITH_D256=0 MAX_PROCS=2 TABLE_SHAPES="rest:4,2048,16,128;8,1024,8,64" DEADLINE=45 JOB_TIMEOUT=75 \
  timeout 315 bash benchmarks/sweeps/table_call.sh
echo "all done at ${SECONDS}s"
