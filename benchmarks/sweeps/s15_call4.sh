#!/usr/bin/env bash
# Session 15, call 4 (nvidia-h200, one GPU): issue 4's table for the families this session changed, each checked at
# gate x1 and x10 first: RetNet (its fixed decay skips the gate gradient) with Mamba-2 (unchanged: its gate needs
# one), DeltaNet and Gated DeltaNet (the rank-one value-side reads' launch rule; fla's rows now with its l2norm).
set -u
TABLE_GPU0="sgla:retnet,mamba2 dn:deltanet gdn:gated_deltanet" TABLE_GPU1="" WITH_D256=0 HOST_LOCK=0 DEADLINE=330 \
  JOB_TIMEOUT=390 bash benchmarks/sweeps/table_call.sh
