"""The command line and the generated module, as a user meets them."""
import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import lindsl
from lindsl.check import random_inputs

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "lindsl.cli", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT, env={"PYTHONWARNINGS": "ignore", "PATH": "/usr/bin:/bin",
                                                "HOME": str(Path.home())})


def test_compile_writes_a_module_that_imports_only_torch(tmp_path):
    r = run_cli("compile", "library/gla.lin", "-o", str(tmp_path))
    assert r.returncode == 0, r.stderr
    path = tmp_path / "gla.py"
    tree = ast.parse(path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.module == "lindsl.sp.runtime":  # the op's sp_group= branch only: sequence parallelism needs lindsl
                continue
            imported.add((node.module or "").split(".")[0])
    outside = {m for m in imported if m not in {"torch", "triton"} and m not in sys.stdlib_module_names}
    assert not outside, outside  # torch, triton and the standard library
    spec = importlib.util.spec_from_file_location("compiled_gla", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    op = lindsl.load("library/gla.lin")
    args = random_inputs(op.spec, 1, 9, 2, {"K": 4, "V": 3})
    o1, s1 = mod.gla(*args.values(), output_final_state=True)
    o2, s2 = op(*args.values(), output_final_state=True)
    assert torch.equal(o1, o2) and torch.equal(s1, s2)


def test_check_with_triton_checks_the_kernels_of_a_new_rule():
    r = run_cli("check", "examples/new_rule.lin", "--quick", "--triton")
    assert r.returncode == 0 and "Triton kernels (interpreter)" in r.stdout and "FAIL" not in r.stdout, r.stdout


def test_check_explain_run_succeed():
    r = run_cli("check", "library/deltanet.lin", "--quick")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout and "proved" in r.stdout
    r = run_cli("explain", "library/rwkv7.lin")
    assert r.returncode == 0 and "chunkwise form" in r.stdout and "dS_{t-1}" in r.stdout and "\\mathrm{diag}" in r.stdout
    r = run_cli("run", "gla", "--T", "40", "--K", "8", "--V", "8")
    assert r.returncode == 0, r.stderr
    assert "backend torch (the chunkwise PyTorch engine, CPU)" in r.stdout and "vs naive" in r.stdout


@pytest.mark.parametrize("text,where", [
    ("lin x\ndim K, V\nin q[K], k[K], v[V]\nstate S[K, V]\nS = S + k v\nout o = S^T q\n", "x.lin:5:9"),
    ("lin x\ndim K, V\nin q[K]\nstate S[K, V]\nS = S +\nout o = S^T q\n", "x.lin:5:"),
])
def test_bad_spec_gives_located_error_and_nonzero_exit(tmp_path, text, where):
    f = tmp_path / "x.lin"
    f.write_text(text)
    r = run_cli("check", "x.lin", cwd=tmp_path)
    assert r.returncode == 2
    assert where in r.stderr and "^" in r.stderr and "hint:" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_file_is_a_clean_error():
    r = run_cli("explain", "no/such/spec.lin")
    assert r.returncode == 2 and "cannot read spec file" in r.stderr and "Traceback" not in r.stderr


def test_library_names_resolve():
    assert lindsl.load("kda").spec.name == "kda"


def test_op_reports_its_backend_and_rejects_bad_shapes():
    op = lindsl.load("gla")
    assert op.backend_for(torch.zeros(1)) == "torch"
    q = torch.randn(1, 5, 2, 4)
    with pytest.raises(ValueError, match="argument 'g' must have shape"):
        op(q, q, q, torch.randn(1, 5, 2))
    with pytest.raises(ValueError, match="dimension K"):
        op(q, torch.randn(1, 5, 2, 3), q, -torch.rand(1, 5, 2, 4))


@pytest.mark.parametrize("name,pieces", [
    ("rwkv6", ["one generated per-row kernel each", "one kernel after the cores' backward", "): r, k, v",
               "decode step: one generated kernel per token"]),
    ("mom_gated_deltanet", ["calls without gradients: no: a routed state", "their backward: no: a routed state"]),
    ("based", ["one generated per-row kernel each", "their backward: no: the prologue's backward: kron()"])])
def test_explain_says_which_generated_kernels_run(name, pieces):
    """`lindsl explain` (the op's generated module given) says what the Triton engine runs beside the scans: the
    per-row prologue and epilogue kernels without and with gradients or why not, the inputs whose gradient the rows
    backward completes, the fused decode step or why not."""
    from lindsl.explain import explain
    op = lindsl.load(name)
    text = explain(op.compiled, op.module)
    section = text[text.index("== generated kernels (Triton engine)"):text.index("== LaTeX")]
    for piece in pieces:
        assert piece in section, (piece, section)
    assert "== generated kernels" not in explain(op.compiled)
    assert "== generated kernels (Triton engine)" in run_cli("explain", f"library/{name}.lin").stdout


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "library").glob("*.lin")))
def test_explain_every_library_spec(name):
    from lindsl.explain import explain
    text = explain(lindsl.load(name).compiled)
    for section in ("normalized recurrences", "chunkwise form", "backward", "LaTeX"):
        assert section in text
    # which backward the Triton engine runs by default: the chunk-level adjoint for rank-one factors with no or a
    # scalar key gate, or a per-dimension one without the delta rule's fold (AdjointPlan.chunk_level_default), the
    # token-level adjoint's rescan elsewhere; KDA's chunk-level adjoint (its kernels exist: chunk_level_kernels)
    # shown as the knob's
    assert ("by default the chunk-level adjoint instead" in text) == (name in ("deltanet", "gated_deltanet",
                                                                                "mom_gated_deltanet", "rwkv7"))
    assert ("with LINDSL_TUNE_CHUNK_ADJOINT=1 on the Triton engine the chunk-level adjoint instead" in text) == (
        name == "kda")
