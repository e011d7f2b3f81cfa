"""Triton launches stubbed out on the CPU, for the scripts that measure lindsl's host side without a GPU
(mem_cpu.py's bytes, host_cpu.py's Python time): the host code runs and no kernel does (values are garbage).
Every launch goes through the interpreter's InterpretedFunction.run or an Autotuner's run (TRITON_INTERPRET=1),
the engine's kernels and the ones generated per spec alike, so patching those two classes catches them all."""


def stub_kernels(record=None):
    """Make every Triton launch return at once; with a list, append (kernel name, grid, upper-case constexpr
    arguments) per launch to it (an autotuned launch: its name and an empty grid)."""
    from triton.runtime.autotuner import Autotuner
    from triton.runtime.interpreter import InterpretedFunction

    def run(self, *args, grid, warmup, **kwargs):
        if record is not None:
            g = grid(kwargs) if callable(grid) else grid
            record.append((self.fn.__name__, tuple(g) if isinstance(g, (tuple, list)) else (g,),
                           {k: v for k, v in kwargs.items() if k.isupper()}))

    def run_tuned(self, *args, **kwargs):
        if record is not None:
            record.append((self.base_fn.__name__, (), {}))
    InterpretedFunction.run = run
    Autotuner.run = run_tuned
