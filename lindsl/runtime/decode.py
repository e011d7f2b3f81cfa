"""Decoding with a CUDA graph: one op.step captured once for fixed shapes and replayed per token, with the state
(updated in place by the step's kernel) and, for token-shift specs, the previous tokens' inputs held in graph-owned
buffers. Where a spec has the fused step (FUSED_STEP) an eager step is already one launch (0.04 ms at batch 64 on
the H200) and the replay adds the input copies (0.05 ms, benchmarks/RESULTS.md, session 35); the graph pays for the
engine's step (prologue, recurrent kernel, epilogue: 0.17-0.48 ms eager) and inside a captured model.
Same results as op.step (tests/test_decode.py checks it on a GPU)."""
from __future__ import annotations

import torch


class GraphedStep:
    """A decode step of `op` captured as a CUDA graph for the shapes, dtypes and device of `example_args`.

    graphed = GraphedStep(op, *example_args, initial_state=state)   # captures (runs the step a few times)
    out = graphed(*args)            # one token: copies args in, replays, returns the output buffer
    graphed.state                   # the current state(s) after the last replay (a graph-owned buffer)
    graphed.reset(state)            # set the state (and clear the carried previous-token inputs)

    The returned output and `state` are graph-owned and overwritten by the next replay: clone them to keep them.
    Only CUDA tensors, fixed shapes and no cu_seqlens; anything else raises ValueError (use op.step)."""

    def __init__(self, op, *example_args, initial_state, scale=None, warmup: int = 2):
        tensors = [x for x in example_args if torch.is_tensor(x)]
        if not tensors or not all(x.is_cuda for x in tensors):
            raise ValueError("GraphedStep needs CUDA tensors (a CUDA graph); on the CPU use op.step")
        self.op, self.scale = op, scale
        self.static_args = [x.detach().clone() if torch.is_tensor(x) else x for x in example_args]
        states = initial_state if isinstance(initial_state, (tuple, list)) else (initial_state,)
        if any(s is None or not torch.is_tensor(s) or not s.is_cuda for s in states):
            raise ValueError("GraphedStep needs the initial state(s) as CUDA tensors (zeros to start a sequence)")
        self._multi = isinstance(initial_state, (tuple, list))
        wide = torch.float64 if tensors[0].dtype == torch.float64 else torch.float32  # the op's working dtype
        self.static_state = [s.detach().to(wide).clone().contiguous() for s in states]
        self.shifts = op.shifts
        names = [d[0] for d in op.module.DECLS]
        by_name = dict(zip(names, self.static_args))
        self.static_prev = {name: torch.zeros_like(by_name[name][:, :1].expand(
            (by_name[name].shape[0], n) + tuple(by_name[name].shape[2:]))).contiguous()
            for name, n in self.shifts.items()}
        module = op.module
        capturing, module.DECODE_CAPTURE = module.DECODE_CAPTURE, True  # the compiled prologue: fewer kernels to replay
        try:
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream), torch.no_grad():
                saved = [s.clone() for s in self.static_state]
                for _ in range(max(1, warmup)):
                    self._step()
                for s, v in zip(self.static_state, saved):
                    s.copy_(v)
                for p in self.static_prev.values():
                    p.zero_()
            torch.cuda.current_stream().wait_stream(stream)
            self.graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self.graph), torch.no_grad():
                self.static_out = self._step()
        finally:
            module.DECODE_CAPTURE = capturing

    def _step(self):
        """op.step on the static buffers: the kernel writes the new state into the state buffers in place
        (state_in_place), the previous-token inputs are copied back."""
        state = tuple(self.static_state) if self._multi else self.static_state[0]
        res = self.op.step(*self.static_args, scale=self.scale, initial_state=state, output_final_state=True,
                           prev_inputs=dict(self.static_prev) if self.shifts else None,
                           output_prev_inputs=bool(self.shifts), state_in_place=True)
        out = res[0]
        if self.shifts:
            for name, p in res[2].items():
                self.static_prev[name].copy_(p.reshape(self.static_prev[name].shape))
        return out

    def __call__(self, *args):
        """One decode step: copies args into the captured buffers, replays the graph, returns the output buffer."""
        if len(args) != len(self.static_args):
            raise ValueError(f"expected {len(self.static_args)} inputs, got {len(args)}")
        for dst, src in zip(self.static_args, args):
            if torch.is_tensor(dst):
                if not torch.is_tensor(src) or src.shape != dst.shape:
                    raise ValueError(f"GraphedStep was captured for shape {list(dst.shape)}, got "
                                     f"{list(src.shape) if torch.is_tensor(src) else type(src).__name__}")
                dst.copy_(src)
        self.graph.replay()
        return self.static_out

    @property
    def state(self):
        """The state(s) after the last replay (graph-owned)."""
        return tuple(self.static_state) if self._multi else self.static_state[0]

    def reset(self, initial_state):
        """Start a new sequence from initial_state (same shapes as at capture); clears the previous-token inputs."""
        states = initial_state if isinstance(initial_state, (tuple, list)) else (initial_state,)
        for s, v in zip(self.static_state, states):
            s.copy_(v)
        for p in self.static_prev.values():
            p.zero_()
