"""Replay a schedule and say which properties it breaks (or reaches) and where.

A replay string carries the digest of the model it was made against; replaying it on a
model with another digest is refused (the same schedule would draw a different race),
with the ``sim run`` command that finds a fresh counterexample instead.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from reviewbot.errors import UsageError
from reviewbot.model import TraceStep
from reviewbot.sim import registry
from reviewbot.sim import schedule as codec
from reviewbot.sim.compile import Compiled, compile_model
from reviewbot.sim.digest import model_digest
from reviewbot.sim.result import property_events, steps_of


@dataclass(frozen=True)
class Replayed:
    headers: tuple[str, ...]  # trace column per thread
    steps: tuple[TraceStep, ...]  # annotated with the properties each step breaks/reaches
    failed: tuple[str, ...]  # safety properties the run violates
    warning: str = ""  # one line for stderr, e.g. an old string without a digest


def load(scenario: str, text: str) -> tuple[Compiled, codec.Replay, str]:
    """The compiled model a replay string was made for, the decoded string and a warning.

    UsageError if the string names another scenario, knobs the scenario does not have,
    or a model digest other than the current one.
    """
    r = codec.parse(text)
    if not r.schedule:
        raise UsageError("replay string has an empty schedule: no step to replay")
    if r.scenario != scenario:
        raise UsageError(f"replay string is for scenario {r.scenario!r}, not {scenario!r}")
    spec = registry.get(scenario)
    try:
        knobs = spec.resolve(dict(r.knobs))
    except UsageError as exc:  # a knob renamed or dropped since the string was made
        note = "the string may come from another version of the scenario"
        hint = f"{exc.hint}; {note}" if exc.hint else note
        raise UsageError(exc.message, where="replay string", hint=hint) from exc
    comp = compile_model(spec.build(knobs))
    rerun = run_command(scenario, r.knobs)
    if not r.digest:
        warning = (
            f"warning: replay string has no model digest, so it cannot be checked against "
            f"this version of {scenario}; if the trace looks wrong, run: {rerun}"
        )
        return comp, r, warning
    now = model_digest(comp)
    if r.digest != now:
        raise UsageError(
            f"replay string was made against a different version of scenario {scenario} "
            f"(model digest {r.digest}, this version {now})",
            hint=f"for a fresh counterexample run: {rerun}",
        )
    return comp, r, ""


def run_command(scenario: str, knobs: tuple[tuple[str, str], ...]) -> str:
    """The ``sim run`` command line that re-explores ``scenario`` with ``knobs``."""
    args = ["reviewbot", "sim", "run", scenario]
    for name, value in knobs:
        args += ["--knob", f"{name}={value}"]
    return shlex.join(args)


def replay_full(scenario: str, text: str) -> Replayed:
    """Re-run the string's schedule on ``scenario`` and annotate every step."""
    comp, r, warning = load(scenario, text)
    schedule = list(r.schedule)
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
    return Replayed(headers, tuple(steps), tuple(failed), warning)
