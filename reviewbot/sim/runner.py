"""One simulation: compile, search with reduction, find short counterexamples, assemble."""

from __future__ import annotations

from collections.abc import Mapping

from reviewbot.model import SimResult
from reviewbot.sim.cex import shortest
from reviewbot.sim.compile import compile_model
from reviewbot.sim.dsl import Model
from reviewbot.sim.explore import Reduction, explore
from reviewbot.sim.result import build


def simulate(
    scenario: str,
    knobs: Mapping[str, str],
    model: Model,
    *,
    budget: int = 2_000_000,
    reduction: Reduction = "por",
    check: bool = False,
) -> SimResult:
    """Decide every property of ``model``; the counterexample search shares the budget."""
    comp = compile_model(model)
    ex = explore(comp, reduction=reduction, budget=budget, check=check)
    targets = set(ex.violations) | set(ex.witnesses)
    schedules = shortest(comp, targets, budget) if targets else {}
    return build(scenario, knobs, comp, ex, schedules)
