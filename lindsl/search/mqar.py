"""Multi-query associative recall (MQAR, Arora et al. 2023, "Zoology"): a short training run of the small LM.

A sequence holds N key-value pairs (keys from one half of the vocabulary, values from the other), then queries:
keys drawn again from the pairs, each to be answered with its value at the same position (the next-token
target). Accuracy is the fraction of queries answered correctly on held-out sequences after training.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class MQARTask:
    """One MQAR setting: sequence length T, number of pairs, vocabulary, and the head sizes of the model.

    The default (T=32, 6 pairs, vocabulary 32, K=V=8: a 64-float state per head and layer) is the cheapest setting
    tried on a 2-core CPU; a single run there does not reliably separate Gated DeltaNet from linear attention (the
    order depends on the seed: benchmarks/RESULTS.md), so compare rules over several seeds (--seeds)."""
    T: int = 32
    pairs: int = 6
    vocab: int = 32
    K: int = 8
    V: int = 8
    format: str = "tokens"  # "tokens": k1 v1 k2 v2 ... (Zoology); "pairs": one token per (key, value) pair
    recent: int = 0  # > 0: queries ask only the last `recent` pairs; the earlier pairs are distractors
    # > 0: after the `pairs` pairs, this many of their keys (distinct, in random order) are assigned a new value
    # (different from the old one); queries (over all `pairs` keys) must return the latest value ("tokens" only)
    overwrite: int = 0

    @property
    def label(self) -> str:
        return f"T{self.T}_N{self.pairs}_K{self.K}" + (f"_last{self.recent}" if self.recent else "") \
            + (f"_ow{self.overwrite}" if self.overwrite else "") + ("_pairs" if self.format == "pairs" else "")

    @property
    def n_tokens(self) -> int:
        half = self.vocab // 2
        return self.vocab if self.format == "tokens" else half * half + 2 * half


@dataclass(frozen=True)
class MQARTrain:
    """The training run: the model (d_model, layers, heads) and the optimisation."""
    d_model: int = 64
    n_layers: int = 2
    num_heads: int = 1
    steps: int = 800
    batch: int = 32
    lr: float = 5e-3
    eval_batch: int = 256
    seed: int = 0
    chunk_size: int = 16
    A_range: tuple = (1.0, 16.0)
    device: str = "cpu"  # "cuda": the model, the batches and the op (Triton kernels) on the GPU
    weight_decay: float = 0.1
    decay_1d: bool = True  # False: no weight decay on 1-D parameters (norms, biases, A_log, dt_bias; fla/Mamba)
    warmup: float = 0.1  # fraction of the steps with a linear learning-rate warmup (then cosine to 0)


def mqar_batch(task: MQARTask, batch: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """ids [B, T] and targets [B, T] (-100 where nothing is asked)."""
    if task.overwrite:
        return _overwrite_batch(task, batch, gen)
    if task.format == "pairs":
        return _pair_batch(task, batch, gen)
    half = task.vocab // 2
    if task.pairs > half - 1 or 2 * task.pairs >= task.T:
        raise ValueError(f"MQAR {task}: need pairs < vocab/2 and 2 * pairs < T")
    keys = torch.argsort(torch.rand(batch, half - 1, generator=gen), dim=1)[:, :task.pairs] + 1
    vals = torch.randint(half, task.vocab, (batch, task.pairs), generator=gen)
    ids = torch.zeros(batch, task.T, dtype=torch.long)
    ids[:, 0:2 * task.pairs:2] = keys
    ids[:, 1:2 * task.pairs:2] = vals
    nq = task.T - 2 * task.pairs
    lo = task.pairs - task.recent if 0 < task.recent <= task.pairs else 0
    which = torch.randint(lo, task.pairs, (batch, nq), generator=gen)
    ids[:, 2 * task.pairs:] = torch.gather(keys, 1, which)
    tgt = torch.full((batch, task.T), -100, dtype=torch.long)
    tgt[:, 2 * task.pairs:] = torch.gather(vals, 1, which)
    return ids, tgt


def _overwrite_batch(task: MQARTask, batch: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """MQAR with key overwrites: k1 v1 ... kN vN, then `overwrite` of those keys again with new values
    (k_i v_i' with v_i' != v_i), then queries over all N keys whose target is the key's latest value.

    A sum of outer products (linear attention) reads an overwritten key as a mix of its old and new value; a rule
    that replaces the association (the delta rule) or forgets the older write (a decay gate) can return the new one."""
    half, n, m = task.vocab // 2, task.pairs, task.overwrite
    if task.format != "tokens" or task.recent:
        raise ValueError(f"MQAR {task}: overwrite needs format 'tokens' and recent = 0")
    if not 0 < m <= n or n > half - 1 or 2 * (n + m) >= task.T or half < 2:
        raise ValueError(f"MQAR {task}: need 0 < overwrite <= pairs < vocab/2 and 2 * (pairs + overwrite) < T")
    keys = torch.argsort(torch.rand(batch, half - 1, generator=gen), dim=1)[:, :n] + 1
    vals = torch.randint(half, task.vocab, (batch, n), generator=gen)
    again = torch.argsort(torch.rand(batch, n, generator=gen), dim=1)[:, :m]  # which pairs are re-assigned
    new = torch.randint(half, task.vocab - 1, (batch, m), generator=gen)
    new = new + (new >= torch.gather(vals, 1, again)).long()  # uniform over the values other than the old one
    latest = vals.scatter(1, again, new)
    ids = torch.zeros(batch, task.T, dtype=torch.long)
    ids[:, 0:2 * n:2] = keys
    ids[:, 1:2 * n:2] = vals
    ids[:, 2 * n:2 * (n + m):2] = torch.gather(keys, 1, again)
    ids[:, 2 * n + 1:2 * (n + m):2] = new
    which = torch.randint(0, n, (batch, task.T - 2 * (n + m)), generator=gen)
    ids[:, 2 * (n + m):] = torch.gather(keys, 1, which)
    tgt = torch.full((batch, task.T), -100, dtype=torch.long)
    tgt[:, 2 * (n + m):] = torch.gather(latest, 1, which)
    return ids, tgt


def _pair_batch(task: MQARTask, batch: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Pairs format: the first N tokens each carry one (key, value) pair (id key * n + value), then query tokens
    (id n^2 + key) whose target is the value token (id n^2 + n + value); keys n = vocab / 2 distinct."""
    n = task.vocab // 2
    if task.pairs > n or task.pairs >= task.T:
        raise ValueError(f"MQAR {task}: need pairs <= vocab/2 and pairs < T")
    keys = torch.argsort(torch.rand(batch, n, generator=gen), dim=1)[:, :task.pairs]
    vals = torch.randint(0, n, (batch, task.pairs), generator=gen)
    ids = torch.zeros(batch, task.T, dtype=torch.long)
    ids[:, :task.pairs] = keys * n + vals
    which = torch.randint(0, task.pairs, (batch, task.T - task.pairs), generator=gen)
    ids[:, task.pairs:] = n * n + torch.gather(keys, 1, which)
    tgt = torch.full((batch, task.T), -100, dtype=torch.long)
    tgt[:, task.pairs:] = n * n + n + torch.gather(vals, 1, which)
    return ids, tgt


def train_mqar(spec, task: MQARTask, cfg: MQARTrain = MQARTrain(), progress=None, deadline: float | None = None) -> dict:
    """Train the small LM with the spec's layer on MQAR; returns accuracy, final loss, state size and seconds.

    deadline (a time.time() value): stop training there and evaluate the model as it is ("steps_done" says how
    far it got). Batches are drawn on the CPU from the seed's generator (the same data on every device)."""
    from ..nn import CausalLM
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    from ..nn.layer import _load
    op = _load(spec)
    from ..check import default_sizes
    # the base dims (the layer sizes the derived ones)
    sizes = {d: n for d, n in default_sizes(op.spec, K=task.K, V=task.V, M=4).items() if d not in op.spec.derived_dims}
    dev = torch.device(cfg.device)
    model = CausalLM(op, task.n_tokens, cfg.d_model, cfg.n_layers, cfg.num_heads, sizes=sizes, chunk_size=cfg.chunk_size,
                     A_range=cfg.A_range).to(dev)
    if cfg.decay_1d:
        groups = model.parameters()
    else:
        ps = list(model.parameters())
        groups = [{"params": [p for p in ps if p.dim() >= 2]},
                  {"params": [p for p in ps if p.dim() < 2], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.98))
    warm = max(1, math.floor(cfg.steps * cfg.warmup + 1e-9))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / warm) * 0.5 * (1 + math.cos(math.pi * s / cfg.steps)))
    # on a GPU the loss is read back (a synchronisation) every 25 steps, on the CPU every step
    every = 1 if dev.type == "cpu" else 25
    t0 = time.perf_counter()
    loss_val = math.nan
    steps_done = 0
    for step in range(cfg.steps):
        if deadline is not None and time.time() > deadline:
            break
        ids, tgt = mqar_batch(task, cfg.batch, gen)
        ids, tgt = ids.to(dev, non_blocking=True), tgt.to(dev, non_blocking=True)
        logits, _ = model(ids)
        loss = F.cross_entropy(logits.reshape(-1, task.n_tokens), tgt.reshape(-1), ignore_index=-100)
        if (step + 1) % every == 0 or step + 1 == cfg.steps:
            loss_val = float(loss.detach())
            if not math.isfinite(loss_val):
                raise FloatingPointError(f"MQAR training diverged at step {step} (loss {loss_val})")
            if progress is not None:
                progress(step + 1, cfg.steps, loss_val)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        steps_done = step + 1
    train_s = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        ids, tgt = mqar_batch(task, cfg.eval_batch, torch.Generator().manual_seed(10_000 + cfg.seed))
        ids, tgt = ids.to(dev), tgt.to(dev)
        correct, total = 0, 0
        for i in range(0, ids.shape[0], 256):
            logits, _ = model(ids[i:i + 256])
            mask = tgt[i:i + 256] != -100
            correct += int((logits.argmax(-1)[mask] == tgt[i:i + 256][mask]).sum())
            total += int(mask.sum())
        acc = correct / total
    return {"task": task.label, "accuracy": acc, "loss": loss_val, "state_size": model.state_size(),
            "seconds": time.perf_counter() - t0, "train_seconds": train_s, "steps_done": steps_done,
            **{f"task_{k}": v for k, v in asdict(task).items()}}


# Named settings: (task, training). "overwrite", the search's default, is MQAR with key overwrites (4 pairs,
# then all 4 keys re-assigned a new value, queries ask the latest value) with a one-layer model trained 1600 steps
# (about the cost of "cpu", plain MQAR with the dataclasses' defaults; seed table: benchmarks/mqar_overwrite.py);
# "gpu" is the setting of benchmarks/mqar_gpu.py (its docstring gives the reasons): more pairs (32) than key
# dimensions (16) drawn from 255 keys, T = 256, 2000 steps of batch 128 at lr 2e-3, a slow-starting decay gate and
# no weight decay on 1-D parameters.
PRESETS = {
    "cpu": (MQARTask(), MQARTrain()),
    "overwrite": (MQARTask(T=32, pairs=4, vocab=32, K=8, V=8, overwrite=4), MQARTrain(n_layers=1, steps=1600)),
    "gpu": (MQARTask(T=256, pairs=32, vocab=512, K=16, V=16),
            MQARTrain(d_model=128, n_layers=2, num_heads=1, steps=2000, batch=128, lr=2e-3, eval_batch=512,
                      chunk_size=64, A_range=(0.1, 1.0), device="cuda", decay_1d=False)),
}
