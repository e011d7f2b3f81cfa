#!/usr/bin/env bash
# Session 17, call 3 (nvidia-h200, one GPU): issue 4's table at fla's shapes for every fla-covered family, on the
# code where every state without a value gate runs in the token layout, forward and backward (per-dimension gates
# and rank-one factors included). Each (family, shape group) in its own process (table_call.sh).
set -u
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 dn:deltanet gdn:gated_deltanet kda:kda rwkv6:rwkv6 rwkv7:rwkv7" \
  TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=330 JOB_TIMEOUT=420 bash benchmarks/sweeps/table_call.sh
