"""Loading a spec as a callable op: parse -> normalize -> derive -> generate -> import, with an on-disk cache.

The generated module is the single implementation: `lindsl compile` writes the same source that
`lindsl.load` imports. The cache key is the spec text plus the generator fingerprint (lindsl version,
templates, runtime sources), so a spec is generated once per version.
"""
from __future__ import annotations

import importlib.util
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..frontend import parse_file, parse_spec
from ..ir import Spec
from ..passes.chunk import ChunkForm, derive
from ..passes.classify import TransitionClass, classify
from ..passes.normalize import Normalized, normalize
from ..passes.verify import verify
from .interpreter import lighten_if_asked

lighten_if_asked()


def cache_dir() -> Path:
    d = os.environ.get("LINDSL_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME", str(Path.home() / ".cache")),
                                                       "lindsl")
    p = Path(d)
    p.mkdir(parents=True, exist_ok=True)
    return p


@dataclass
class Compiled:
    """Everything the compiler derived for one spec."""
    spec: Spec
    normalized: Normalized
    classes: dict[str, TransitionClass]
    chunk_forms: dict[str, ChunkForm]
    timings: dict[str, float] = field(default_factory=dict)


def compile_spec(spec: Spec) -> Compiled:
    """Run the passes (each followed by the verifier) on a checked spec."""
    t0 = time.perf_counter()
    verify(spec)
    n = normalize(spec)
    verify(n)
    classes = classify(n)
    forms = derive(n)
    return Compiled(spec, n, classes, forms, {"passes": time.perf_counter() - t0})


def library_path(name: str) -> Path | None:
    """The shipped library spec called name (e.g. "gla"), or None."""
    from importlib import resources
    p = resources.files("lindsl.library").joinpath(f"{name}.lin")
    return Path(str(p)) if p.is_file() else None


def spec_from(source) -> Spec:
    """A Spec from a Spec, a .lin path, a library spec name, or .lin text."""
    if isinstance(source, Spec):
        return source
    s = str(source)
    if "\n" not in s:
        if s.endswith(".lin") or Path(s).exists():
            return parse_file(s)
        lib = library_path(s)
        if lib is not None:
            return parse_file(lib)
    return parse_spec(s, "<string>")


class Op:
    """A compiled spec, callable with the fla-style signature. `backend` says which implementation runs."""

    def __init__(self, compiled: Compiled, module, path: Path, timings: dict[str, float]):
        self.compiled = compiled
        self.spec = compiled.spec
        self.module = module
        self.path = path
        self.timings = timings
        self.__doc__ = module.op.__doc__

    def __call__(self, *args, **kwargs):
        return self.module.op(*args, **kwargs)

    def step(self, *args, **kwargs):
        """Decode: the fused-recurrent form (state in, state out, no autograd), same signature as the op.

        For a spec with token shifts (x[t-n]; see `shifts`), pass output_prev_inputs=True to get
        (output, final_state, prev_inputs) and give prev_inputs (with initial_state) to the next step, so that
        stepping token by token equals one call over the whole sequence. Without prev_inputs a call starts the
        sequence: shifted inputs read zeros before its first token."""
        return self.module.fused_recurrent(*args, **kwargs)

    def graphed_step(self, *example_args, initial_state, scale=None):
        """Decode with a CUDA graph: the step captured once for these shapes (lindsl.runtime.decode.GraphedStep);
        call the result with each token's inputs, read `.state`. CUDA tensors only."""
        from .decode import GraphedStep
        return GraphedStep(self, *example_args, initial_state=initial_state, scale=scale)

    @property
    def shifts(self) -> dict[str, int]:
        """The inputs read with a token shift, each with its largest shift n (x[t-n]): what a decode cache carries."""
        return dict(self.module.SHIFTS)

    def backend_for(self, tensor, backend=None) -> str:
        """The engine a call with this tensor runs: 'triton' (GPU, or interpreter when asked) or 'torch'."""
        return self.module.pick_backend(tensor, backend)

    @property
    def last_backend(self) -> str | None:
        """The engine the most recent call ran."""
        return self.module.LAST_BACKEND

    def __repr__(self) -> str:
        return f"<lindsl op {self.spec.name} module={self.path}>"


def generate_source(compiled: Compiled) -> str:
    from ..codegen.generate import generate_module
    return generate_module(compiled.normalized)


def load(source, cache: bool = True) -> Op:
    """Compile a spec (path, .lin text or Spec) into an op, generating its module once per version."""
    from ..codegen.generate import spec_hash
    t0 = time.perf_counter()
    spec = spec_from(source)
    t1 = time.perf_counter()
    compiled = compile_spec(spec)
    t2 = time.perf_counter()
    key = f"{spec.name}_{spec_hash(spec)}"
    path = cache_dir() / f"{key}.py"
    if not (cache and path.exists()):
        src = generate_source(compiled)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(src)
        os.replace(tmp, path)
    t3 = time.perf_counter()
    mod_name = f"lindsl_generated_{key}"
    module = sys.modules.get(mod_name)
    if module is None:
        ispec = importlib.util.spec_from_file_location(mod_name, path)
        module = importlib.util.module_from_spec(ispec)
        ispec.loader.exec_module(module)
        sys.modules[mod_name] = module
    t4 = time.perf_counter()
    timings = {"parse": t1 - t0, "passes": t2 - t1, "generate": t3 - t2, "import": t4 - t3, "total": t4 - t0}
    return Op(compiled, module, path, timings)
