"""Replay a schedule and say which properties it breaks (or reaches) and where."""

from __future__ import annotations

from reviewbot.errors import UsageError
from reviewbot.model import TraceStep
from reviewbot.sim import registry
from reviewbot.sim import schedule as codec
from reviewbot.sim.compile import compile_model
from reviewbot.sim.result import property_events, steps_of


def replay_full(
    scenario: str, text: str
) -> tuple[tuple[str, ...], tuple[TraceStep, ...], tuple[str, ...]]:
    """Column headers, annotated steps, and the safety properties the run violates."""
    name, knobs, schedule = codec.decode(text)
    if name != scenario:
        raise UsageError(f"replay string is for scenario {name!r}, not {scenario!r}")
    spec = registry.get(scenario)
    comp = compile_model(spec.build(spec.resolve(knobs)))
    steps, _end = steps_of(comp, schedule)
    kinds = {p.name: p.kind for p in comp.props}
    failed: list[str] = []
    for i, prop, note in property_events(comp, schedule):
        if kinds[prop] != "sometimes":
            failed.append(prop)
        if 0 <= i < len(steps):
            s = steps[i]
            steps[i] = TraceStep(s.thread, s.label, s.changes, f"{s.note} {note}".strip())
    headers = tuple(t.column for t in comp.model.threads)
    return headers, tuple(steps), tuple(failed)
