"""What the templates see: plain data computed from a PatchReport.

The wording lives in the templates; this module only picks the simulation side and
property that matter for each verdict, draws the trace and builds the replay command,
so that every field the templates use exists (they run with StrictUndefined).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, replace

from reviewbot.model import Fact, Finding, PatchReport, PropertyResult, SimResult
from reviewbot.render.quote import Section, place, sections

# The simulation side whose counterexample a reader needs for each verdict: a fix is
# shown by the race it closes (before), anything else by what is left (after).
_SIDE = {"fixes": "before", "introduces": "after", "remains": "after", "inconclusive": "after"}


@dataclass(frozen=True)
class FactView:
    side: str
    where: str  # "fs/9p/vfs_inode.c:123" or ""
    text: str
    assumed: bool
    basis: str


@dataclass(frozen=True)
class SideView:
    verdict: str  # violated | holds | inconclusive | not run
    states: int
    complete: bool
    knobs: str  # "flush=fdatawrite, size_update=overwrite"
    extent: str  # " in all 19 reachable states", or "" when the model did not run


@dataclass(frozen=True)
class FindingView:
    rule: str
    title: str
    scenario: str
    verdict: str
    severity: str
    confidence: str
    function: str
    file: str
    location: str  # "fs/9p/vfs_inode.c:123"
    others: str  # the threads it races with, in words
    invariant: str  # property name
    invariant_text: str  # its description
    trace: str  # CPU columns, or "" when there is no counterexample
    replay_cmd: str  # "" when there is nothing to replay
    message: str
    facts: tuple[FactView, ...]
    before: SideView
    after: SideView
    degraded: bool
    description_only: bool  # the facts were read from the commit message only
    preexisting: bool
    same_as: str = ""  # an earlier finding in the draft with the very same evidence
    fn: str = "this code"  # "v9fs_evict_inode()" for prose
    about: str = ""  # " (the rule's title)" or ""
    trace_side: str = "after"  # which side's run the trace comes from
    knobs_changed: str = ""  # "flush=none -> write_and_wait" (knobs differing by side)
    knobs_common: str = ""  # "statx=default, ..." (the same on both sides)
    vocab: str = ""  # once per draft: the trace's names are the model's, not the patch's
    # inconclusive only between "fixes" and "not-affected" (render/outcomes.py)
    harmless: bool = False


@dataclass(frozen=True)
class SectionView:
    quoted: tuple[str, ...]
    where: str
    findings: tuple[FindingView, ...]


def side_result(f: Finding, side: str) -> SimResult | None:
    return f.sim_before if side == "before" else f.sim_after


def judged_properties(f: Finding, result: SimResult) -> list[PropertyResult]:
    """The safety properties the finding's rule judges (all of them if it names none)."""
    safety = [p for p in result.properties if p.kind != "sometimes"]
    own = [p for p in safety if p.property in f.properties]
    return own if f.properties and own else safety


def judged(f: Finding, result: SimResult | None) -> str:
    """One side's verdict over the rule's properties, as the finding's verdict was
    judged (a simulation can break other properties the rule does not ask about)."""
    if result is None:
        return "not run"
    props = judged_properties(f, result)
    if any(p.verdict == "violated" for p in props):
        return "violated"
    if any(p.verdict == "inconclusive" for p in props):
        return "inconclusive"
    return "holds"


def trace_side(f: Finding) -> str:
    """The side whose run explains the verdict. An inconclusive verdict that turns on
    an assumption (both runs decided) is best shown by the race the model does find,
    with the patch if it finds one there, else without it."""
    before, after = judged(f, f.sim_before), judged(f, f.sim_after)
    if f.verdict == "inconclusive" and after == "holds" and before == "violated":
        return "before"
    return _SIDE.get(f.verdict, "after")


def pick_property(f: Finding) -> tuple[SimResult | None, PropertyResult | None]:
    """The simulation result and property whose trace explains the verdict."""
    result = side_result(f, trace_side(f))
    if result is None:
        return None, None
    safety = judged_properties(f, result)
    named = [p for p in safety if p.property == f.invariant]
    undecided = [p for p in safety if p.verdict == "inconclusive"]
    if f.verdict == "inconclusive" and undecided:
        pool = [p for p in named if p.verdict == "inconclusive"] or undecided
    else:
        pool = [p for p in named if p.verdict == "violated"] or [
            p for p in safety if p.verdict == "violated"
        ]
    return result, (pool[0] if pool else (named[0] if named else None))


def trace_width(columns: int) -> int:
    """78 columns, except that four or more CPUs get about 24 each: a long line is
    easier to read than identifiers broken in the middle."""
    return 78 if columns < 4 else min(120, 24 * columns)


def only_active_threads(result: SimResult, prop: PropertyResult) -> SimResult:
    """Draw only the CPUs that take a step in the counterexample: idle columns would
    squeeze the others into word-broken slivers at 78 columns."""
    names = {s.thread for s in prop.trace}
    used = tuple(
        h for h in result.threads if h in names or any(h.endswith(f"({n})") for n in names)
    )
    return replace(result, threads=used) if used else result


def _threads(result: SimResult | None, function: str) -> str:
    """'with the write thread' when the function's own thread is recognisable from
    the column headers ('CPU1 (getattr)'), else 'between the umount and netfs-io
    threads'."""
    if result is None:
        return "with concurrent kernel threads"
    names: list[str] = []
    for header in result.threads:
        m = re.search(r"\(([^)]*)\)", header)
        name = m.group(1) if m else header
        if name and name not in names:
            names.append(name)
    own = [n for n in names if n in function]
    rest = [n for n in names if n not in own]
    if not rest:
        return "with concurrent kernel threads"
    if own and len(rest) == 1:
        return f"with the {rest[0]} thread"
    listed = ", ".join(rest[:-1]) + " and " + rest[-1] if len(rest) > 1 else rest[0]
    return f"with the {listed} threads" if own else f"between the {listed} threads"


def _side(f: Finding, result: SimResult | None, knobs: tuple[tuple[str, str], ...]) -> SideView:
    text = ", ".join(f"{k}={v}" for k, v in knobs)
    if result is None:
        return SideView("not run", 0, False, text, "")
    n = result.stats.states
    # The explorer prunes interleavings that only reorder independent steps, so N is
    # what the reduced search visited, not the number of reachable states.
    extent = (
        f" in every interleaving (the reduced search was complete after {n} states)"
        if result.stats.complete
        else f" in the {n} states explored (the search was bounded)"
    )
    return SideView(judged(f, result), n, result.stats.complete, text, extent)


def _fact(fact: Fact) -> FactView:
    where = place(fact.file, fact.line)
    return FactView(fact.side, where, " ".join(fact.text.split()), fact.assumed, fact.basis)


def finding_view(f: Finding) -> FindingView:
    from reviewbot.render.outcomes import harmless
    from reviewbot.sim.trace import render_columns

    result, prop = pick_property(f)
    trace = ""
    replay = ""
    if result is not None and prop is not None and prop.trace:
        result = only_active_threads(result, prop)
        shown = _marked(prop)
        trace = render_columns(result, shown, width=trace_width(len(result.threads)))
        trace = trace.rstrip("\n")
        if prop.replay:
            replay = replay_command(f.scenario, prop.replay)
    invariant = prop.property if prop is not None else (f.invariant or "its invariant")
    location = place(f.file, f.line)
    facts = _merge_sides(tuple(_fact(x) for x in f.facts))
    return FindingView(
        rule=f.rule,
        title=_lower_first(" ".join(f.title.split())),
        scenario=f.scenario,
        verdict=f.verdict,
        severity=f.severity,
        confidence=f.confidence,
        function=f.function,
        file=f.file,
        location=location,
        others=_threads(result or f.sim_after or f.sim_before, f.function),
        invariant=invariant,
        invariant_text=_description(invariant, prop.description if prop is not None else ""),
        trace=trace,
        replay_cmd=replay,
        message=" ".join(f.message.split()),
        facts=facts,
        before=_side(f, f.sim_before, f.knobs_before),
        after=_side(f, f.sim_after, f.knobs_after),
        degraded=f.degraded,
        # assumed defaults (basis "default") fill what the description does not say
        description_only=any(x.basis == "description" for x in f.facts)
        and all(x.basis in ("description", "default") for x in f.facts),
        preexisting=f.preexisting,
        fn=f"{f.function}()" if f.function else "this code",
        about=f" ({_lower_first(' '.join(f.title.split()))})" if f.title.strip() else "",
        trace_side=trace_side(f),
        harmless=harmless(f),
        **_knob_split(f),
    )


REPLAY_INDENT = 2  # the draft indents the command by this much
MAIL_WIDTH = 78


def replay_command(scenario: str, replay: str) -> str:
    """``reviewbot sim replay SCENARIO REPLAY``; when that overflows a mail line, the
    replay string (one token that must not break) goes alone on a continuation line."""
    head = f"reviewbot sim replay {shlex.quote(scenario)}"
    one = f"{head} {shlex.quote(replay)}"
    if REPLAY_INDENT + len(one) <= MAIL_WIDTH:
        return one
    return f"{head} \\\n    {shlex.quote(replay)}"


def _knob_split(f: Finding) -> dict[str, str]:
    if not f.knobs_before or not f.knobs_after:
        return {"knobs_changed": "", "knobs_common": ""}
    before, after = dict(f.knobs_before), dict(f.knobs_after)
    names = sorted(set(before) | set(after))
    changed = [
        f"{k}={before.get(k, '-')} -> {after.get(k, '-')}"
        for k in names
        if before.get(k) != after.get(k)
    ]
    common = [f"{k}={before[k]}" for k in names if k in after and before.get(k) == after[k]]
    return {"knobs_changed": ", ".join(changed), "knobs_common": ", ".join(common)}


def _marked(prop: PropertyResult) -> PropertyResult:
    """The engine marks the violating step with the invariant's own wording ("<-- no
    I/O completion touches a freed fid"), which reads as if it held right there; the
    draft says it is broken there, and spells the invariant out below the trace."""
    text = " ".join(prop.description.split())
    steps = tuple(
        replace(st, note=f"<-- {prop.property} broken here")
        if text and " ".join(st.note.removeprefix("<--").split()) == text
        else st
        for st in prop.trace
    )
    return replace(prop, trace=steps)


def _merge_sides(facts: tuple[FactView, ...]) -> tuple[FactView, ...]:
    """A fact read (or assumed) the same on both sides is listed once, as 'both
    sides': eight assumed defaults printed twice hide the two facts that matter."""
    out: list[FactView] = []
    index: dict[tuple[str, str, bool, str], int] = {}
    for fact in facts:
        key = (fact.where, fact.text, fact.assumed, fact.basis)
        at = index.get(key)
        if at is not None and out[at].side != fact.side:
            out[at] = replace(out[at], side="both sides")
            continue
        index[key] = len(out)
        out.append(fact)
    return tuple(out)


def _description(name: str, text: str) -> str:
    """'no dropped write: the file ends ...' -> 'the file ends ...' when the text
    repeats the property's name, which the draft prints right before it."""
    text = " ".join(text.split())
    head = name.replace("-", " ").lower() + ":"
    if text.lower().startswith(head) and text[len(head) :].strip():
        return text[len(head) :].strip()
    return text


def _lower_first(title: str) -> str:
    """'Inode torn down ...' reads better inside a sentence as 'inode torn down ...';
    acronyms ('VFS ...') keep their case."""
    if title[:1].isupper() and not title[1:2].isupper():
        return title[:1].lower() + title[1:]
    return title


def _evidence(f: Finding) -> tuple[object, ...]:
    _, prop = pick_property(f)
    trace = prop.trace if prop is not None else ()
    return (f.rule, f.verdict, f.scenario, f.knobs_before, f.knobs_after, trace)


def section_views(report: PatchReport, findings: tuple[Finding, ...]) -> tuple[SectionView, ...]:
    """Sections in patch order; a finding whose evidence repeats an earlier one (the
    same fix applied to several filesystems) refers back instead of repeating it."""
    secs: tuple[Section, ...] = sections(report.patch, findings)
    from reviewbot.render.vocab import note

    first: dict[tuple[object, ...], str] = {}
    said = False
    out = []
    for s in secs:
        views = []
        for f in s.findings:
            key = _evidence(f)
            view = finding_view(f)
            if key in first:
                view = replace(view, same_as=first[key])
            else:
                first[key] = f"{f.function}()" if f.function else (f.file or f.rule)
                vocab = "" if said or not view.trace else note(report.patch, f)
                if vocab:
                    view, said = replace(view, vocab=vocab), True
            views.append(view)
        out.append(SectionView(s.quoted, s.where, tuple(views)))
    return tuple(out)
