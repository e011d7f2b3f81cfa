#!/usr/bin/env bash
# Session 38 call 3: DeltaNet's check with and without LINDSL_POISON=1 and the rows kernels' backward (call 2 did not
# reproduce call 1's failing check without poisoning).
set -u
export TRITON_INTERPRET=0
LINDSL_POISON=1 timeout 200 python3 benchmarks/rows_grad_check.py --spec deltanet --shape 2,1024,4,128 --variants "ROWS_GRAD=0;ROWS_GRAD=1;ROWS_GRAD=1 ROWS_PER_PROGRAM=1" > $OUT/poison.txt 2>&1 &
timeout 200 python3 -c "
import sys, os; sys.path.insert(0, 'benchmarks')
import gpu_suite as gs
for p in ('0', '1'):
    os.environ['LINDSL_POISON'] = p
    for rg in ('0', '1'):
        os.environ['LINDSL_TUNE_ROWS_GRAD'] = rg
        rows, _ = gs.correctness('deltanet', 2, 1024, 4, 128, 1.0)
        print('poison', p, 'rows_grad', rg, [(n, round(e, 5)) for n, e, t in rows], flush=True)
" > $OUT/suite_check.txt 2>&1 &
wait
cat $OUT/poison.txt $OUT/suite_check.txt | grep -v Warn | tail -30
