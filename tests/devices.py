"""Where the Triton backend's tests put their tensors: the GPU when they run under real Triton there
(TRITON_INTERPRET=0), else the CPU, where conftest.py has set Triton's interpreter."""
import os

import torch

TRITON_GPU = torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET") == "0"
DEVICE = "cuda" if TRITON_GPU else "cpu"
