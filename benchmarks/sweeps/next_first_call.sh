#!/usr/bin/env bash
# The next session's first call (one GPU), written in session 53, updated in session 54 (whose call 1 ran
# sweeps/s54_call1.sh at its end, on an H100: RESULTS "Session 54"). Now, in this order: sweeps/s54_call2.sh (bf16
# tile products in Mamba-2's and RetNet's backward reads, and the prologue's gate sums against the scan's, about 9
# minutes, timeout_s 560), sweeps/next_second_call.sh (the tests and the host's split, about 5 minutes),
# sweeps/next_third_call.sh (the table's host-bound rows, about 8 minutes).
set -u
bash benchmarks/sweeps/s55_call1.sh
