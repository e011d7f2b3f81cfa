"""Test-wide settings: Triton's CPU interpreter (set before anything imports triton: the interpreter must see
it at import), kernel output buffers filled with NaN before the kernels write them (LINDSL_POISON: an element a
kernel fails to write cannot pass a check), one torch thread (tiny tensors; CI has 2 cores), a private kernel
cache, and the interpreter's two costs that buy nothing at test sizes cut (LINDSL_FAST_INTERPRETER:
lindsl/runtime/interpreter.py; inherited by lindsl.sp.check's spawned ranks)."""
import os

os.environ.setdefault("TRITON_INTERPRET", "1")
os.environ.setdefault("LINDSL_POISON", "1")
os.environ.setdefault("LINDSL_FAST_INTERPRETER", "1")

import pytest
import torch

from lindsl.runtime.interpreter import lighten_if_asked

torch.set_num_threads(1)


lighten_if_asked()


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    os.environ["LINDSL_CACHE"] = str(tmp_path_factory.mktemp("lindsl_cache"))
    yield
