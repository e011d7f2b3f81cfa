#!/usr/bin/env bash
# Session 53, call 3 (about 4 minutes): where the time goes now, on the current code (73a1b1e-era kernels, the fast
# launch): every launch of one forward+backward of Mamba-2, Gated DeltaNet and KDA at 2x16384x16x128 (fla's beside
# Mamba-2's), and the host's split (enqueue time against the wall) at the host-bound shape for four families.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
python3 -c "import torch, triton; print(torch.__version__, triton.__version__, torch.cuda.get_device_name())"
timeout 150 python3 benchmarks/launch_trace.py --specs mamba2,gated_deltanet,kda --shape 2,16384,16,128 --fla \
  --out "$OUT" 2>&1 | quiet
timeout 100 python3 benchmarks/launch_trace.py --specs mamba2,rwkv7 --shape 4,2048,16,128 --out "$OUT"/small 2>&1 | quiet
echo "trace done at ${SECONDS}s"
timeout 200 python3 benchmarks/host_split.py --specs mamba2,rwkv7,kda,hgrn2 --shapes "4,2048,16,128" 2>&1 | quiet
echo "all done at ${SECONDS}s"
