#!/usr/bin/env bash
# Session 14, call 2 (nvidia-h200, one GPU):
#   1. the delta rule's state pass under 18 launch configurations (value block, warps, stages), forward and rescan,
#      ungated and with a scalar gate, each checked against the default's states;
#   2. issue 4's table for the families without rank-one factors (RetNet, Mamba-2, GLA, HGRN2, RWKV-6), each spec
#      checked at gate x1 and x10 first, after the storing state pass's new 64 x 64 blocks (key split).
set -u
timeout 150 python3 benchmarks/state_pass_sweep.py --rank-one --out "$OUT" --budget 100 2>&1 | grep -v Warn | tail -20
TABLE_GPU0="sgla:retnet,mamba2 gla:gla,hgrn2 rwkv6:rwkv6" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=330 \
  JOB_TIMEOUT=390 bash benchmarks/sweeps/table_call.sh
