"""Description-based mapping, for messages whose diff is missing or unusable.

A rule may carry a ``description`` block: groups of regular expressions that must all
match the commit message (plus whatever survived of a damaged diff: file names, function
names, calls), and the knobs the described bug (before) and the described fix (after)
correspond to. Facts from here have basis "description"; findings built on them are
marked degraded with low confidence.
"""

from __future__ import annotations

import re

from reviewbot.model import Fact, Patch, Side
from reviewbot.rules.loader import Rule


def evidence_text(patch: Patch) -> str:
    parts = [patch.commit_message or patch.message.body, patch.message.subject.title]
    if patch.recovered is not None:
        rec = patch.recovered
        parts += [
            rec.commit_message,
            " ".join(rec.files),
            " ".join(rec.functions),
            " ".join(rec.calls),
        ]
    return "\n".join(p for p in parts if p)


def matches(rule: Rule, text: str) -> list[str] | None:
    """The phrase matched for each group, or None if some group does not match."""
    if rule.description is None:
        return None
    found = []
    for group in rule.description.all_of:
        hit = None
        for rx in group:
            m = re.search(rx, text, re.IGNORECASE)
            if m:
                hit = m.group(0)
                break
        if hit is None:
            return None
        found.append(" ".join(hit.split()))
    return found


def described_knobs(rule: Rule, text: str) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """Knobs of the described bug and fix: the rule's mapping, refined by the details the
    description states (each refinement's matched phrase is returned with them)."""
    assert rule.description is not None
    before = dict(rule.description.before)
    after = dict(rule.description.after)
    phrases = []
    for rx, b, a in rule.description.refine:
        m = re.search(rx, text, re.IGNORECASE)
        if m:
            before.update(dict(b))
            after.update(dict(a))
            phrases.append(" ".join(m.group(0).split()))
    return before, after, phrases


def described_facts(
    rule: Rule, phrases: list[str], side: Side, knobs: dict[str, str] | None = None
) -> tuple[Fact, ...]:
    assert rule.description is not None
    if knobs is None:
        knobs = dict(rule.description.before if side == "before" else rule.description.after)
    said = ", ".join(f'"{p}"' for p in phrases)
    out = []
    for spec in rule.facts:
        if spec.knob not in knobs:
            continue
        which = "the code before the patch" if side == "before" else "the patched code"
        out.append(
            Fact(
                name=spec.name,
                value=knobs[spec.knob],
                side=side,
                text=f"the description ({said}) implies {spec.knob}={knobs[spec.knob]} for {which}",
                basis="description",
            )
        )
    return tuple(out)
