#!/usr/bin/env bash
# Session 53, call 6 (one GPU, under 2 minutes; the session's last device time): the backward with an unused final
# state's cotangent left None (set_materialize_grads(False); _gate_grad_kernel's HAS_FIN) on the GPU: (1) per spec,
# bf16 at 2x1024x4x128, the output-only loss's gradients against those with the final state's explicit zero
# cotangent (the old path), largest difference relative to the largest gradient; (2) the usual checks against fp64
# (their loss takes the final state too: the HAS_FIN path) for scalar and per-dimension key gates.
set -u
export TRITON_INTERPRET=0
. benchmarks/sweeps/lib.sh
python3 -c "import torch, triton; print(torch.__version__, triton.__version__, torch.cuda.get_device_name())"
timeout 70 python3 - <<'PY' 2>&1 | quiet
import torch, lindsl
from lindsl.check import default_sizes, random_inputs
for name in ("mamba2", "gla", "gated_deltanet", "kda", "rwkv6"):
    op = lindsl.load(name)
    args = random_inputs(op.spec, 2, 1024, 4, default_sizes(op.spec, K=128, V=128, M=2), torch.float32, 1.0, 3)
    res = []
    for with_final in (False, True):
        xs = {n: x.detach().cuda().to(torch.bfloat16 if x.is_floating_point() else x.dtype).requires_grad_(x.is_floating_point()) for n, x in args.items()}
        o, f = op(**xs, output_final_state=True, backend="triton")
        o = o[0] if isinstance(o, tuple) else o
        fs = f if isinstance(f, tuple) else (f,)
        w = torch.randn(o.shape, device="cuda", generator=torch.Generator(device="cuda").manual_seed(1))
        loss = (o.float() * w).sum() + (sum((x.float() * 0.0).sum() for x in fs) if with_final else 0.0)
        g = torch.autograd.grad(loss, [x for x in xs.values() if x.requires_grad], allow_unused=True)
        res.append([None if t is None else t.float() for t in g])
    worst = max(((a - b).abs().max() / b.abs().max().clamp_min(1e-30)).item() for a, b in zip(*res) if b is not None)
    bad = any(not torch.isfinite(a).all() for a in res[0] if a is not None)
    print(f"unused final state {name:15s} largest relative difference {worst:.1e} {'FAIL' if worst > 1e-2 or bad else 'PASS'}", flush=True)
PY
echo "unused-state checks done at ${SECONDS}s"
CHECK_TIMEOUT=45 checks fin "mamba2:10 gla:10" | grep -v "^    "
echo "all done at ${SECONDS}s"
