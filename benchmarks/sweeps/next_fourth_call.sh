#!/usr/bin/env bash
# The next session's fourth call (one GPU, about 9 minutes, timeout_s 590), written in session 57: next_second_call.sh
# at 1x8192x96x128.
SHAPE=1,8192,96,128 bash benchmarks/sweeps/next_second_call.sh
