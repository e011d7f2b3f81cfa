"""Test-wide settings: Triton's CPU interpreter (set before anything imports triton: the interpreter must see
it at import), kernel output buffers filled with NaN before the kernels write them (LINDSL_POISON: an element a
kernel fails to write cannot pass a check), one torch thread (tiny tensors; CI has 2 cores) and a private kernel
cache."""
import os

os.environ.setdefault("TRITON_INTERPRET", "1")
os.environ.setdefault("LINDSL_POISON", "1")

import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    os.environ["LINDSL_CACHE"] = str(tmp_path_factory.mktemp("lindsl_cache"))
    yield
