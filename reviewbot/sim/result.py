"""Turn an exploration into model.SimResult: verdicts, traces with changes, replays."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from reviewbot.errors import UsageError
from reviewbot.model import PropertyResult, SimResult, SimStats, TraceStep
from reviewbot.sim import schedule as codec
from reviewbot.sim.compile import BOUND, Compiled, State
from reviewbot.sim.digest import model_digest
from reviewbot.sim.engine import Machine
from reviewbot.sim.explore import Exploration

_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.\[\]-]*)\}")


def show_value(v: Any) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "NULL"
    if isinstance(v, tuple):
        return "(" + ", ".join(show_value(x) for x in v) + ")"
    return str(v)


def _label(text: str, vals: Sequence[Any], scope: Mapping[str, int]) -> str:
    if "{" not in text:
        return text

    def sub(m: re.Match[str]) -> str:
        slot = scope.get(m.group(1))
        return m.group(0) if slot is None or slot < 0 else show_value(vals[slot])

    return _FIELD.sub(sub, text)


def steps_of(comp: Compiled, schedule: Sequence[int]) -> tuple[list[TraceStep], State]:
    """Re-run ``schedule`` and describe each step; UsageError if it does not fit."""
    m = Machine(comp)
    state = comp.init
    out: list[TraceStep] = []
    for i, t in enumerate(schedule):
        _check_fits(comp, m, state, schedule, i)
        op = comp.ops[t][state[comp.pc_slot[t]]]
        new, _fails = m.fire(state, t)
        scope = comp.scopes[t]
        changes: list[tuple[str, str]] = []
        if op.step is not None and op.step.show is not None:
            for name in op.step.show:
                slot = scope.get(name, -1)
                if slot >= 0:
                    changes.append((name, show_value(new[slot])))
        elif op.step is not None:
            for slot in range(comp.nshared):
                if new[slot] != state[slot]:
                    changes.append((comp.names[slot], show_value(new[slot])))
        out.append(TraceStep(comp.thread_names[t], _label(op.label, new, scope), tuple(changes)))
        state = new
    return out, state


def _check_fits(comp: Compiled, m: Machine, state: State, schedule: Sequence[int], i: int) -> None:
    """UsageError, in one line, unless thread ``schedule[i]`` can take a step in ``state``."""
    t = schedule[i]
    n = len(comp.thread_names)
    if t < n and m.enabled(state, t):
        return
    where = f"replay step {i + 1} of {len(schedule)}"
    hint = "the schedule does not fit the scenario's model as it is now"
    if not any(m.enabled(state, u) for u in range(n)):
        done = all(m.finished(state, u) for u in range(n))
        over = "every thread has stopped" if done else "every thread is blocked or stopped"
        raise UsageError(f"{where}: schedule too long, after {i} steps {over}", hint=hint)
    if t >= n:
        raise UsageError(
            f"{where}: there is no thread {codec.encode_schedule([t])}, the scenario has "
            f"{n} (A-{codec.encode_schedule([n - 1])})",
            hint=hint,
        )
    who = comp.thread_names[t]
    pc = state[comp.pc_slot[t]]
    if pc == BOUND:
        why = "stopped at a loop bound"
    elif pc < 0:
        why = "has already returned"
    else:
        why = f"is blocked at {comp.ops[t][pc].label!r}"
    raise UsageError(f"{where}: thread {who} cannot run, it {why}", hint=hint)


def property_events(comp: Compiled, schedule: list[int]) -> list[tuple[int, str, str]]:
    """(step index, property, note) for the first failure/witness of each property."""
    m = Machine(comp)
    n = len(comp.thread_names)
    seen: set[str] = set()
    events: list[tuple[int, str, str]] = []

    def mark(i: int, name: str, note: str) -> None:
        if name not in seen:
            seen.add(name)
            events.append((i, name, note))

    def on_state(i: int, state: State) -> None:
        for p in comp.props:
            if p.kind == "always" and not m.holds(p.pred, state, None, p.name):
                mark(i, p.name, f"<-- {p.description}")
            elif p.kind == "sometimes" and m.holds(p.pred, state, None, p.name):
                mark(i, p.name, f"<-- reached: {p.description}")

    state = comp.init
    on_state(-1, state)
    for i, t in enumerate(schedule):
        _check_fits(comp, m, state, schedule, i)
        state, fails = m.fire(state, t)
        for f in fails:
            desc = next(p.description for p in comp.props if p.name == f)
            mark(i, f, f"<-- {desc}")
        on_state(i, state)
    if not any(m.enabled(state, t) for t in range(n)) and not m.bounded(state):
        stuck = [t for t in range(n) if not m.finished(state, t)]
        for p in comp.props:
            if p.kind == "deadlock" and stuck:
                who = ", ".join(
                    f"{comp.thread_names[t]} in {comp.ops[t][state[comp.pc_slot[t]]].label}"
                    for t in stuck
                )
                mark(len(schedule) - 1, p.name, f"<-- {p.description}: stuck: {who}")
            elif p.kind == "at_end" and not stuck and not m.holds(p.pred, state, None, p.name):
                mark(len(schedule) - 1, p.name, f"<-- {p.description}")
    return events


def build(
    scenario: str,
    knobs: Mapping[str, str],
    comp: Compiled,
    ex: Exploration,
    schedules: Mapping[str, list[int]],
) -> SimResult:
    props: list[PropertyResult] = []
    digest = model_digest(comp)  # ties every replay string to this model's structure
    # the search's own first-found runs, used when the shortest-run search ran out
    fallback = {**ex.violations, **ex.witnesses} if ex.paths_valid else {}
    for p in comp.props:
        if p.kind == "sometimes":
            hit = p.name in ex.witnesses
            verdict = "holds" if hit else ("violated" if ex.complete else "inconclusive")
            sched = schedules.get(p.name, fallback.get(p.name)) if hit else None
        else:
            hit = p.name in ex.violations
            verdict = "violated" if hit else ("holds" if ex.complete else "inconclusive")
            sched = schedules.get(p.name, fallback.get(p.name)) if hit else None
        trace: tuple[TraceStep, ...] = ()
        replay = ""
        if sched is not None:
            steps, _end = steps_of(comp, sched)
            notes = {name: note for _i, name, note in property_events(comp, sched)}
            if steps:
                last = steps[-1]
                note = notes.get(p.name, f"<-- {p.description}")
                steps[-1] = TraceStep(last.thread, last.label, last.changes, note)
            trace = tuple(steps)
            replay = codec.encode(scenario, knobs, sched, digest)
        props.append(PropertyResult(p.name, p.kind, p.description, verdict, trace, replay))  # type: ignore[arg-type]
    return SimResult(
        scenario=scenario,
        knobs=tuple(sorted(knobs.items())),
        threads=tuple(t.column for t in comp.model.threads),
        properties=tuple(props),
        stats=SimStats(
            states=ex.states,
            transitions=ex.transitions,
            executions=ex.executions,
            seconds=round(ex.seconds, 6),
            complete=ex.complete,
            pruned=ex.executions - ex.complete_runs,
        ),
    )
