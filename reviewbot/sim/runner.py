"""One simulation: compile, search, find short counterexamples, assemble the result."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from reviewbot.errors import UsageError
from reviewbot.model import SimResult
from reviewbot.sim.cex import shortest
from reviewbot.sim.compile import compile_model
from reviewbot.sim.dsl import Model
from reviewbot.sim.explore import Reduction, explore
from reviewbot.sim.modes import bounded, pct
from reviewbot.sim.result import build

Mode = Literal["exhaustive", "bounded", "random"]


def simulate(
    scenario: str,
    knobs: Mapping[str, str],
    model: Model,
    *,
    budget: int = 2_000_000,
    reduction: Reduction = "por",
    check: bool = False,
    mode: Mode = "exhaustive",
    preemptions: int = 2,
    walks: int = 1000,
    seed: int = 0,
) -> SimResult:
    """Decide every property of ``model``.

    ``exhaustive`` (the default) covers every behaviour unless the state budget runs
    out; ``bounded`` (at most ``preemptions`` preemptions) and ``random`` (``walks``
    PCT runs from ``seed``) are always incomplete: they can show a violation, never
    that a property holds. The counterexample search shares the state budget.
    """
    comp = compile_model(model)
    if mode == "exhaustive":
        ex = explore(comp, reduction=reduction, budget=budget, check=check)
    elif mode == "bounded":
        ex = bounded(comp, preemptions, budget=budget)
    elif mode == "random":
        ex = pct(comp, walks=walks, seed=seed)
    else:
        raise UsageError(f"unknown mode {mode!r}", hint="valid modes: exhaustive, bounded, random")
    targets = set(ex.violations) | set(ex.witnesses)
    schedules = shortest(comp, targets, budget) if targets else {}
    return build(scenario, knobs, comp, ex, schedules)
