"""The CPU path where Triton is not installed, as on the README's fresh machine (torch's CPU wheel brings no Triton):
lindsl and a generated module import, and a library op runs forward, backward and without gradients on the
PyTorch engine."""
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    sys.modules["triton"] = None  # `import triton` now raises ImportError, as on a machine without it
    import torch
    import lindsl
    from lindsl.check import default_sizes, random_inputs
    for name in ("gated_deltanet", "gla"):
        op = lindsl.load(name)
        args = random_inputs(op.spec, 1, 20, 2, default_sizes(op.spec, K=4, V=4, M=2), torch.float64)
        for x in args.values():
            x.requires_grad_(True)
        o, f = op(*args.values(), output_final_state=True)
        (o.sum() + f.sum()).backward()
        assert op.last_backend == "torch", op.last_backend
        assert all(x.grad is not None and torch.isfinite(x.grad).all() for x in args.values())
        with torch.no_grad():
            o2, _ = op(*args.values())
        assert torch.allclose(o, o2)
    print("ran without triton")
""")


def test_library_ops_run_without_triton(tmp_path):
    env = dict(os.environ, LINDSL_CACHE=str(tmp_path))
    env.pop("TRITON_INTERPRET", None)
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-4000:]
    assert "ran without triton" in r.stdout
