"""Simulation: run a registered scenario with knobs and get verdicts with evidence.

    run(scenario, knobs, budget_states=...) -> model.SimResult   (memoised per process)
    replay(scenario, replay) -> tuple[model.TraceStep, ...]

Verdicts per property: ``violated`` (with the shortest counterexample, then the one with
fewest preemptions, and a replay string), ``holds`` (the reduced search covered every
behaviour), ``inconclusive`` (budget exhausted or a loop bound hit: never "holds").
For a ``sometimes`` property ``holds`` means reachable and ``violated`` means the
scenario is vacuous.
"""

from __future__ import annotations

from collections.abc import Mapping

from reviewbot.model import SimResult, TraceStep

_MEMO: dict[tuple[str, tuple[tuple[str, str], ...], int], SimResult] = {}


def run(scenario: str, knobs: Mapping[str, str], *, budget_states: int = 2_000_000) -> SimResult:
    """Explore ``scenario`` with ``knobs`` (defaults filled in); deterministic."""
    from reviewbot.sim import registry
    from reviewbot.sim.runner import simulate

    spec = registry.get(scenario)
    full = spec.resolve(knobs)
    key = (scenario, tuple(sorted(full.items())), budget_states)
    hit = _MEMO.get(key)
    if hit is None:
        hit = simulate(scenario, full, spec.build(full), budget=budget_states)
        _MEMO[key] = hit
    return hit


def replay(scenario: str, replay: str) -> tuple[TraceStep, ...]:
    """The steps a replay string encodes, re-run on the scenario it names (refused if
    the string was made against another version of the model: see replaying.load)."""
    from reviewbot.sim import replaying
    from reviewbot.sim.result import steps_of

    comp, r, _warning = replaying.load(scenario, replay)
    steps, _state = steps_of(comp, list(r.schedule))
    return tuple(steps)
