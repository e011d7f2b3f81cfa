#!/usr/bin/env bash
# The next session's first call (one GPU), written in session 53, updated in sessions 54-56. Session 56's calls ran
# s55_call4.sh, next_second_call.sh (its one failing test fixed since) and s56_call3.sh on an H100 (RESULTS "Session
# 56"); its last call could not start. Now, in this order: sweeps/s56_call4.sh (the R0_STATE_PREC=hilo trial for
# Mamba-2's and GLA's backward state passes, then RetNet's and Mamba-2's rows at 2x16384x16x128 against fla; about 8
# minutes, timeout_s 560), sweeps/next_third_call.sh (the table's host-bound rows, about 8 minutes), then the GPU
# test that failed in session 56's call 2 (tests/test_rows_kernels.py -k gate_sums_within) with
# sweeps/s56_rev_sources.sh (RetNet's adjoint sources in place, about 2 minutes).
set -u
bash benchmarks/sweeps/s56_call4.sh
