"""Session 43, call 4: call 3's probe found Gated DeltaNet's gradients off on the H200 at K = V = 16 (1x70x2, gate
x3, bf16: dk 4.4e-2, dv 8.4e-2, dg 1.2e-1) under the chunk-level adjoint (the default) and right under the rescan
(LINDSL_TUNE_CHUNK_ADJOINT=0: 3.2e-3, 2.9e-3, 4.5e-3) and at K = 64. One process, the knobs set per case (read at
each call): which phase carries the error (call 4: the WY backward's bf16 products; WY_REUSE=0 then faulted and
took the later cases with it). PROBE=fixed: call 5, the errors under the fix; PROBE=reuse: WY_REUSE=0's fault
alone (for compute-sanitizer)."""
import os

import torch

import lindsl
from lindsl.check import default_sizes, random_inputs, rel_err


def errors(name, K, gate, dtype=torch.bfloat16, T=70):
    op = lindsl.load(name)
    base = random_inputs(op.spec, 1, T, 2, default_sizes(op.spec, K=K, V=K, M=2), torch.float32, gate_scale=gate,
                         device="cuda")
    lo = {k: v.to(dtype).requires_grad_(True) for k, v in base.items()}
    ref = {k: v.detach().double().requires_grad_(True) for k, v in lo.items()}
    w = torch.randn(T * 2 * K, generator=torch.Generator().manual_seed(2), dtype=torch.float64).cuda()
    for xs, be in ((ref, "torch"), (lo, "triton")):
        o, f = op(*xs.values(), backend=be, output_final_state=True)
        ((o.double().flatten() * w).sum() + f.double().sum()).backward()
    return " ".join(f"d{k} {rel_err(lo[k].grad.double(), ref[k].grad):.1e}" for k in base)


if __name__ == "__main__" and os.environ.get("PROBE") == "reuse":
    # the next session: WY_REUSE=0's illegal memory access (call 4) alone, for compute-sanitizer
    os.environ["LINDSL_TUNE_WY_REUSE"] = "0"
    print(f"gdn K=16 x3 WY_REUSE=0: {errors('gated_deltanet', 16, 3.0)}", flush=True)
    torch.cuda.synchronize()
    raise SystemExit(0)
if __name__ == "__main__" and os.environ.get("PROBE") == "fixed":
    # call 5: the WY backward in tf32 below K = 64 (the fix), no knob set
    for name, K, gate, dt in (("gated_deltanet", 16, 3.0, torch.bfloat16), ("gated_deltanet", 32, 3.0, torch.bfloat16),
                              ("gated_deltanet", 64, 3.0, torch.bfloat16), ("deltanet", 16, 1.0, torch.bfloat16),
                              ("mom_gated_deltanet", 16, 3.0, torch.bfloat16), ("deltanet", 32, 1.0, torch.bfloat16)):
        print(f"{name} K={K} x{gate} {dt}: {errors(name, K, gate, dt)}", flush=True)
    raise SystemExit(0)
CASES = [("default", {}), ("rescan", {"CHUNK_ADJOINT": "0"}), ("PASS_PREC=tf32", {"PASS_PREC": "tf32"}),
         ("WYB_PREC=tf32", {"WYB_PREC": "tf32"}), ("WY_REUSE=0", {"WY_REUSE": "0"}), ("CA_GAUGE=0", {"CA_GAUGE": "0"}),
         ("PASS_PAIRS=0", {"PASS_PAIRS": "0"}), ("PASS_FOLD=0", {"PASS_FOLD": "0"}), ("WY_FOLD=0", {"WY_FOLD": "0"}),
         ("CA_EXACT_U=1 STATE tf32", {"EXACT_STATE_PREC": "tf32"})]
for label, env in CASES:
    for k in list(os.environ):
        if k.startswith("LINDSL_TUNE_"):
            del os.environ[k]
    os.environ.update({"LINDSL_TUNE_" + k: v for k, v in env.items()})
    try:
        print(f"gdn K=16 x3 {label}: {errors('gated_deltanet', 16, 3.0)}", flush=True)
    except Exception as e:  # a knob that does not apply
        print(f"gdn K=16 x3 {label}: {type(e).__name__}: {e}", flush=True)
for k in list(os.environ):
    if k.startswith("LINDSL_TUNE_"):
        del os.environ[k]
for name, K, gate, dt in (("gated_deltanet", 16, 0.0, torch.bfloat16), ("gated_deltanet", 32, 3.0, torch.bfloat16),
                          ("gated_deltanet", 16, 3.0, torch.float32), ("deltanet", 16, 1.0, torch.bfloat16),
                          ("mom_gated_deltanet", 16, 3.0, torch.bfloat16)):
    print(f"{name} K={K} x{gate} {dt}: {errors(name, K, gate, dt)}", flush=True)
