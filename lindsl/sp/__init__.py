"""Sequence parallelism: one sequence split into contiguous shards over the ranks of a torch.distributed group.

    lindsl plan library/gla.lin --world 8 --seq-len 1M --heads 16        # the plan the compiler chose
    o, S = op(q, k, v, g, sp_group=group)                               # this rank's shard -> its outputs
    o, S = lindsl.sp.run(op, q, k, v, g, group=group, schedule="allscan")

lindsl.sp.payload  what a rank sends (from the IR's transition class)      lindsl.sp.plan  plans and the cost model
lindsl.sp.scan     the three schedules on a process group                  lindsl.sp.runtime  the autograd executor

The executor runs one of two forms (lindsl.sp.payload.sp_form; the plan says which and why): "lasp2" for
identity / scalar / key-vector transitions with outputs affine in the reads (local passes from zero at once, a
cheap correction after each exchange) and "summary-first" for dense K x K transitions (a summary or adjoint state
pass before each exchange, the local pass after it).
"""
from .plan import PROFILES, SCHEDULES, LinkModel, Plan, make_plan, parse_count, plan_spec
from .scan import SPError

__all__ = ["PROFILES", "SCHEDULES", "LinkModel", "Plan", "SPError", "make_plan", "parse_count", "plan_spec", "run",
           "last_plan"]


def run(op, *inputs, group, **kwargs):
    """Run a compiled op sequence-parallel over `group` (see lindsl.sp.runtime)."""
    from .runtime import run as _run
    return _run(op, *inputs, group=group, **kwargs)


def last_plan():
    """The plan of the most recent sequence-parallel call in this process."""
    from .runtime import last_plan as _lp
    return _lp()
