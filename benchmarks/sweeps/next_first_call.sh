#!/usr/bin/env bash
# The next session's first call (one GPU), written in session 53, updated in sessions 54 and 55 (session 55's calls
# ran sweeps/s55_call1.sh on an H200: RESULTS "Session 55"). Now, in this order: sweeps/s55_call4.sh (the families
# that take session 55's default bf16 tile products unmeasured, against tf32, and the GPU checks of its last
# changes; about 9 minutes, timeout_s 580),
# sweeps/next_second_call.sh (the GPU tests and the host's split, about 6 minutes), sweeps/next_third_call.sh (the
# table's host-bound rows, about 8 minutes).
set -u
bash benchmarks/sweeps/s55_call4.sh
