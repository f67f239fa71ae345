"""Short one-line descriptions of findings shared by the b4, terse and text formats."""

from __future__ import annotations

from reviewbot.model import Finding
from reviewbot.render.headers import clean
from reviewbot.render.outcomes import harmless
from reviewbot.render.quote import place
from reviewbot.render.view import judged, pick_property


def where(f: Finding) -> str:
    """'fs/x.c:12'; a finding read from a commit message has no file or line."""
    described = bool(f.facts) and all(x.basis in ("description", "default") for x in f.facts)
    none = "(commit message)" if described else "-"
    return clean((place(f.file, f.line) if f.file else "") or none, 200)


def status(f: Finding) -> str:
    """b4's pass/warn/fail: a regression or a race left open fails when its rule is
    an error; pre-existing problems never fail someone else's patch; a verdict that
    is undecided only between fixing the race and not affecting it passes."""
    if f.verdict in {"fixes", "not-affected"} or harmless(f):
        return "pass"
    if f.verdict in ("introduces", "remains") and f.severity == "error" and not f.preexisting:
        return "fail"
    return "warn"


def invariant(f: Finding) -> str:
    _, prop = pick_property(f)
    return prop.property if prop is not None else (f.invariant or "?")


def sides(f: Finding) -> str:
    """Each side's verdict on the rule's properties (the JSON's per-property verdicts)."""
    return f"before: {judged(f, f.sim_before)}, after: {judged(f, f.sim_after)}"


def sentence(f: Finding) -> str:
    """'fs/x.c:12 foo(): introduces no-io-after-free (rule-id; before: holds, after: violated)'"""
    return f"{where(f)} {what(f)}"


def what(f: Finding) -> str:
    """'foo(): introduces no-io-after-free (rule-id; before: holds, after: violated)'"""
    verb = {
        "fixes": "fixes",
        "introduces": "introduces",
        "remains": "leaves in place",
        "inconclusive": "cannot decide",
        "not-affected": "does not affect",
    }[f.verdict]
    if harmless(f):
        verb = "fixes or does not affect"
    pre = "pre-existing, " if f.preexisting else ""
    degraded = ", degraded analysis" if f.degraded else ""
    func = f"{clean(f.function, 80)}(): " if f.function else ""
    return f"{func}{verb} {invariant(f)} ({pre}{f.rule}; {sides(f)}{degraded})"
