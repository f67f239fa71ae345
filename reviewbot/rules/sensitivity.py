"""Assumption sensitivity: does a verdict rest on a fact nobody read?

A knob whose value was not read from the code (a rule's fact defaulted, or a scenario
knob no rule fact sets) is an assumption. For each one the scenario is run again with
the knob's other values (on the side(s) where it was assumed; results are cached by the
simulator) and the verdict recomputed. If some value gives a different verdict, the
finding cannot honestly claim its verdict: it becomes ``inconclusive`` and its message
names the unread fact and what each value would give.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from reviewbot.errors import ReviewbotError
from reviewbot.model import Fact, Side, Verdict

Knobs = tuple[tuple[str, str], ...]
# (knobs before or None for a new function, knobs after) -> verdict, None if a run failed
Judge = Callable[[Knobs | None, Knobs], Verdict | None]

_SAYS: dict[str, str] = {
    "fixes": "the patch fixes the race",
    "introduces": "the patch introduces the race",
    "remains": "the race remains after the patch",
    "not-affected": "the model finds no race on either side (not-affected)",
    "inconclusive": "the model cannot decide",
}


@dataclass(frozen=True)
class Outcome:
    knob: str
    assumed: str  # the default the finding's verdict was computed with
    value: str  # the other value tried
    verdict: Verdict  # the verdict with it


def _spec(scenario: str) -> tuple[dict[str, tuple[str, ...]], dict[str, str], dict[str, str]]:
    """(knob values, defaults, docs) of a scenario; empty if the registry cannot say."""
    try:
        from reviewbot.sim import registry

        s = registry.get(scenario)
        return dict(s.knobs), dict(s.defaults), dict(s.knob_docs)
    except (ImportError, ReviewbotError, KeyError):
        return {}, {}, {}


def unread_facts(
    scenario: str,
    set_by_rule: set[str],
    side: Side,
    *,
    file: str = "",
    function: str = "",
    why: str = "no rule reads {knob} from the code",
) -> tuple[Fact, ...]:
    """Scenario knobs that neither a rule fact nor the rule's environment sets: the
    scenario's default decides them, and the finding must say so."""
    _values, defaults, _docs = _spec(scenario)
    return tuple(
        Fact(
            name=knob,
            value=value,
            side=side,
            text=why.format(knob=knob)
            + f"; the scenario's default applies (assumed: {knob}={value})",
            file=file,
            function=function,
            assumed=True,
            basis="default",
        )
        for knob, value in sorted(defaults.items())
        if knob not in set_by_rule
    )


def _assumed_sides(facts: tuple[Fact, ...], knob_of: dict[str, str]) -> dict[str, set[Side]]:
    out: dict[str, set[Side]] = {}
    for f in facts:
        # a held knob (another role's code, fixed by the rule) is no assumption
        if f.assumed and f.basis != "held":
            out.setdefault(knob_of.get(f.name, f.name), set()).add(f.side)
    return out


def _with(knobs: Knobs | None, knob: str, value: str) -> Knobs | None:
    if knobs is None:
        return None
    return tuple(sorted({**dict(knobs), knob: value}.items()))


def outcomes(
    scenario: str,
    kb: Knobs | None,
    ka: Knobs,
    facts: tuple[Fact, ...],
    *,
    knob_of: dict[str, str],
    judge: Judge,
) -> tuple[Outcome, ...]:
    """The verdict under every other value of every assumed knob, one knob at a time.
    A knob assumed on both sides is the same unseen code: it varies on both together."""
    values, _defaults, _docs = _spec(scenario)
    out = []
    for knob, sides in sorted(_assumed_sides(facts, knob_of).items()):
        on = kb if "before" in sides and kb is not None else ka
        current = dict(on).get(knob, "")
        for value in values.get(knob, ()):
            if value == current:
                continue
            b = _with(kb, knob, value) if "before" in sides else kb
            a = tuple(sorted({**dict(ka), knob: value}.items())) if "after" in sides else ka
            verdict = judge(b, a)
            if verdict is not None:
                out.append(Outcome(knob, current, value, verdict))
    return tuple(out)


def _clause(text: str, limit: int = 90) -> str:
    """The first clause of ``text`` (up to a top-level "; "), cut at a space outside
    parentheses when longer than ``limit``, so a cut never leaves one open."""
    depth, cut, last_space = 0, len(text), -1
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth == 0 and text.startswith("; ", i):
            cut = i
            break
        if depth == 0 and ch == " " and i <= limit:
            last_space = i
    text = text[:cut].strip().rstrip(".")
    if len(text) > limit and last_space > 0:
        text = text[:last_space].rstrip(",;:") + " ..."
    return text


def _doc(docs: dict[str, str], knob: str, value: str) -> str:
    """The scenario's words for one value of a knob, shortened to a clause."""
    m = re.search(rf"(?:^|[;:.]\s+){re.escape(value)}: (.*?)(?=;\s*\w+: |$)", docs.get(knob, ""))
    if not m:
        return ""
    text = _clause(m.group(1))
    return f" ({text})" if text else ""


def explain(
    scenario: str,
    verdict: Verdict,
    *,
    decisive: tuple[Outcome, ...],
    unread: str = "was not read from the code",
) -> str:
    """Which unread facts decide the verdict, and what each of their values gives."""
    _values, _defaults, docs = _spec(scenario)
    parts = []
    for knob, current in dict.fromkeys((o.knob, o.assumed) for o in decisive):
        cases = [f"if {knob}={current}{_doc(docs, knob, current)}, {_SAYS[verdict]}"]
        cases += [
            f"if {knob}={o.value}{_doc(docs, knob, o.value)}, {_SAYS[o.verdict]}"
            for o in decisive
            if o.knob == knob
        ]
        parts.append(f"The verdict turns on {knob}, which {unread}: " + "; ".join(cases) + ".")
    return " Inconclusive. " + " ".join(parts)
