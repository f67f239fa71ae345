"""Patch + ChangedFunctions -> Findings, with a verdict from two simulation runs.

For each rule hit (rules.matcher) the rule's scenario runs with the knobs read from the
old side and from the new side; the verdict follows DESIGN.md "Verdicts". A hit on code
the patch did not change becomes a *preexisting* finding. A message whose diff is
missing or could not be parsed falls back to the rule's description mapping, clearly
marked degraded with low confidence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from reviewbot.errors import ReviewbotError
from reviewbot.model import (
    ChangedFunction,
    Diagnostic,
    Fact,
    Finding,
    Patch,
    PropertyResult,
    Side,
    SimResult,
    Verdict,
)
from reviewbot.rules import describe, sensitivity
from reviewbot.rules.context import peers_of
from reviewbot.rules.cst import Body
from reviewbot.rules.loader import Rule, load_library
from reviewbot.rules.matcher import Hit, Reading, match

Runner = Callable[[str, Mapping[str, str]], SimResult]


@dataclass(frozen=True)
class Analysis:
    findings: tuple[Finding, ...]
    diagnostics: tuple[Diagnostic, ...] = ()


def default_runner(budget_states: int = 2_000_000) -> Runner:
    def run(scenario: str, knobs: Mapping[str, str]) -> SimResult:
        from reviewbot import sim

        return sim.run(scenario, knobs, budget_states=budget_states)

    return run


def scenario_defaults(scenario: str) -> dict[str, str]:
    """The scenario's documented knob defaults (empty if the registry cannot say)."""
    try:
        from reviewbot.sim import registry

        return dict(registry.get(scenario).defaults)
    except (ImportError, ReviewbotError, KeyError):
        return {}


def verdict_of(
    before: SimResult | None, after: SimResult | None, rule: Rule | None = None
) -> Verdict:
    """DESIGN.md "Verdicts", over the rule's own properties when a rule is given."""

    def judged(r: SimResult | None) -> str:
        if r is None:
            return "holds"
        return rule.judge(r) if rule is not None else r.verdict

    b, a = judged(before), judged(after)
    if "inconclusive" in (a, b):
        return "inconclusive"
    table: dict[tuple[str, str], Verdict] = {
        ("violated", "holds"): "fixes",
        ("holds", "violated"): "introduces",
        ("violated", "violated"): "remains",
        ("holds", "holds"): "not-affected",
    }
    return table[(b, a)]


def _violated(result: SimResult | None, rule: Rule) -> PropertyResult | None:
    if result is None:
        return None
    for prop in result.properties:
        if prop.kind == "sometimes" or prop.verdict != "violated":
            continue
        if not rule.properties or prop.property in rule.properties:
            return prop
    return None


def _full(scenario: str, knobs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    merged = scenario_defaults(scenario)
    merged.update(dict(knobs))
    return tuple(sorted(merged.items()))


def _hunk_of(patch: Patch, file: str, line: int | None, side: Side) -> int | None:
    if line is None:
        return None
    for fc in patch.files:
        if file not in (fc.new_path, fc.old_path):
            continue
        for i, h in enumerate(fc.hunks):
            start, count = (
                (h.new_start, h.new_count) if side == "after" else (h.old_start, h.old_count)
            )
            if start <= line < start + max(count, 1):
                return i
    return None


def _own_text(reading: Reading | None, rule: Rule) -> str:
    if reading is None:
        return "the function does not exist"
    owned = {f.name for f in rule.owned}
    texts = [f.text for f in reading.facts if f.name in owned and f.basis != "held"]
    return "; ".join(texts) if texts else "nothing the rule reads is visible"


class _Sims:
    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        self.diagnostics: list[Diagnostic] = []

    def run(self, scenario: str, knobs: tuple[tuple[str, str], ...]) -> SimResult | None:
        try:
            return self.runner(scenario, dict(knobs))
        except ReviewbotError as exc:
            self.diagnostics.append(
                Diagnostic("simulation-failed", f"scenario {scenario}: {exc.details()}", "warning")
            )
            return None


def _judge(
    rule: Rule, sims: _Sims
) -> Callable[[tuple[tuple[str, str], ...] | None, tuple[tuple[str, str], ...]], Verdict | None]:
    """Knobs of both sides (None before: a new function) -> the verdict, None on failure."""

    def judge(
        kb: tuple[tuple[str, str], ...] | None, ka: tuple[tuple[str, str], ...]
    ) -> Verdict | None:
        sim_after = sims.run(rule.scenario, ka)
        sim_before = sims.run(rule.scenario, kb) if kb is not None else None
        if sim_after is None or (kb is not None and sim_before is None):
            return None
        if kb is not None:
            return verdict_of(sim_before, sim_after, rule)
        judged = rule.judge(sim_after)  # a new function: nothing to compare with
        new: dict[str, Verdict] = {"violated": "introduces", "inconclusive": "inconclusive"}
        return new.get(judged, "not-affected")

    return judge


def _with_unread(rule: Rule, reading: Reading, file: str, function: str) -> tuple[Fact, ...]:
    """The reading's facts plus the scenario knobs nothing read (assumed defaults)."""
    set_by = {k for k, _v in reading.knobs}
    return reading.facts + sensitivity.unread_facts(
        rule.scenario, set_by, reading.side, file=file, function=function
    )


def _finding(patch: Patch, hit: Hit, sims: _Sims) -> Finding | None:
    rule = hit.rule
    kb = _full(rule.scenario, hit.before.knobs) if hit.before else ()
    ka = _full(rule.scenario, hit.after.knobs) if hit.after else ()
    dead = _compiled_out(hit.fn)
    # lines added under #if 0 are a change the author made, even if it changes nothing:
    # the reply is about this patch then, not about code it happened to touch
    preexisting = not hit.changed and not dead
    if hit.after is None:
        return None  # a removed function cannot carry a race any more
    judge = _judge(rule, sims)
    found = judge(kb if hit.before is not None else None, ka)
    if found is None:
        return None
    verdict: Verdict = found
    sim_after = sims.run(rule.scenario, ka)
    sim_before = sims.run(rule.scenario, kb) if hit.before is not None else None
    if preexisting and verdict != "remains":
        return None
    if verdict == "not-affected" and not (hit.before and hit.before.own != hit.after.own):
        return None
    prop = _violated(sim_before if verdict == "fixes" else sim_after, rule)
    function = hit.fn.after.name if hit.fn.after is not None and hit.fn.after.name else hit.fn.name
    facts: tuple[Fact, ...] = (
        _with_unread(rule, hit.before, hit.fn.file, function) if hit.before else ()
    ) + _with_unread(rule, hit.after, hit.fn.file, function)
    owned = {s.name for s in rule.owned}
    # an owned fact assumed, or read from a part of the function only
    unsure = any(f.assumed or f.partial for f in facts if f.name in owned)
    confidence = rule.confidence
    if unsure and confidence == "high":
        confidence = "medium"
    line, side = hit.where
    message = rule.message.format(
        function=function,
        file=hit.fn.file,
        before=_own_text(hit.before, rule),
        after=_own_text(hit.after, rule),
        invariant=prop.description if prop else "",
    )
    message += dead
    knob_of = {f.name: f.knob for f in rule.facts}
    decisive = tuple(
        o
        for o in sensitivity.outcomes(
            rule.scenario, kb if hit.before else None, ka, facts, knob_of=knob_of, judge=judge
        )
        if o.verdict != verdict
    )
    if decisive and preexisting:
        return None  # a maybe about code the patch did not touch is noise, not a review
    outcomes: tuple[Verdict, ...] = ()
    if decisive:
        message += sensitivity.explain(rule.scenario, verdict, decisive=decisive)
        outcomes = tuple(sorted({verdict, *(o.verdict for o in decisive)}))
        verdict, confidence = "inconclusive", "low"
    elif verdict == "not-affected" and hit.before is not None:
        message += _load_bearing(rule, hit.before, ka, sims) or _no_race(rule, hit.before)
    return Finding(
        rule=rule.id,
        title=rule.title,
        scenario=rule.scenario,
        verdict=verdict,
        severity="info" if preexisting else rule.severity,  # type: ignore[arg-type]
        confidence=confidence,  # type: ignore[arg-type]
        file=hit.fn.file,
        function=function,
        line=line,
        knobs_before=kb,
        knobs_after=ka,
        facts=facts,
        sim_before=sim_before,
        sim_after=sim_after,
        invariant=_invariant(rule, prop),
        preexisting=preexisting,
        degraded=patch.degraded,
        hunk=_hunk_of(patch, hit.fn.file, line, side),
        message=message,
        properties=tuple(rule.properties),
        outcomes=outcomes,
    )


def _compiled_out(fn: ChangedFunction) -> str:
    """A sentence about lines the patch adds to ``fn`` under ``#if 0``, if any: they
    count for nothing in the verdict, and the author may not have meant that."""
    from reviewbot.diffparse.inactive import compiled_out_additions

    dead = compiled_out_additions(fn.after) if fn.after is not None else ()
    if not dead:
        return ""
    where = f"line {dead[0]}" if len(dead) == 1 else f"lines {dead[0]}-{dead[-1]}"
    return (
        f" The patch adds {where} of {fn.file} under #if 0: the compiler never sees "
        f"{'it' if len(dead) == 1 else 'them'}, and neither does this review."
    )


def _invariant(rule: Rule, prop: PropertyResult | None) -> str:
    """The violated property, else the rule's main one (what a "holds" is about)."""
    if prop is not None:
        return prop.property
    main = [p for p in rule.properties if p != "no-deadlock"] or list(rule.properties)
    return main[0] if main else ""


def _no_race(rule: Rule, before: Reading) -> str:
    """Say plainly that the model finds nothing to fix, and on which other facts."""
    props = ", ".join(rule.properties) or "its safety properties"
    owned = {f.name for f in rule.owned}
    also = [
        f.text for f in before.facts if f.name not in owned and not f.assumed and f.basis != "held"
    ]
    given = f" (before the patch, also read from the code: {'; '.join(also)})" if also else ""
    return (
        f" With the facts read from both sides{given}, the model breaks none of {props}"
        " before or after the patch: it does not show the patch fixing (or introducing)"
        " a race it can reproduce."
    )


def _load_bearing(rule: Rule, before: Reading, ka: tuple[tuple[str, str], ...], sims: _Sims) -> str:
    """When neither side races, say whether the patch's own change is what keeps the
    new code safe: rerun the new side with the rule's facts as they were before."""
    knob_of = {f.name: f.knob for f in rule.owned}
    old = {knob_of[name]: value for name, value in before.own}
    counter = tuple(sorted({**dict(ka), **old}.items()))
    if counter == ka:
        return ""
    result = sims.run(rule.scenario, counter)
    prop = _violated(result, rule)
    if prop is None:
        return ""
    changed = ", ".join(f"{k}={v}" for k, v in sorted(old.items()))
    return (
        f" Neither side races, but the change is load-bearing: with the rest of the patch"
        f" and {changed} as before, the model breaks {prop.property} ({prop.description})."
    )


def _dedupe(hits_findings: list[tuple[Hit, Finding]]) -> list[Finding]:
    """Rules sharing a scenario on one function with identical knobs say the same thing:
    keep the ones whose own facts the patch changed."""
    groups: dict[tuple[object, ...], list[tuple[Hit, Finding]]] = {}
    for hit, f in hits_findings:
        key = (f.scenario, f.file, f.function, f.knobs_before, f.knobs_after)
        groups.setdefault(key, []).append((hit, f))
    out = []
    for group in groups.values():
        own_changed = [
            f
            for h, f in group
            if h.before is None or h.after is None or h.before.own != h.after.own
        ]
        out.extend(own_changed or [group[0][1]])
    return out


# what the ingest stage reports when a diff was there but could not be read whole
_DIFF_DAMAGE = frozenset({"collapsed-newlines", "unparsable-diff", "truncated-hunk"})


def _describes_a_change(patch: Patch) -> bool:
    """Description mapping is only for a patch whose diff is there but damaged (a web
    copy that lost it): a message with no diff at all (a cover letter, a discussion)
    has no code to review and gets no finding."""
    return patch.degraded and any(d.code in _DIFF_DAMAGE for d in patch.diagnostics)


# what a described change would do, were the code as the description says
_TAKEN_AT_ITS_WORD = {
    "fixes": "would close the race",
    "introduces": "would open the race",
    "remains": "would leave the race in place",
    "not-affected": "would not affect the race",
}


def _described(patch: Patch, rules: tuple[Rule, ...], sims: _Sims) -> list[Finding]:
    text = describe.evidence_text(patch)
    out = []
    for rule in rules:
        phrases = describe.matches(rule, text)
        if phrases is None or rule.description is None:
            continue
        said_b, said_a, details = describe.described_knobs(rule, text)
        # a description is read as about the rule's first role: the knobs that role
        # holds (another role's code) are held here too
        held = {h.knob: h.value for h in rule.roles[0].holds} if rule.roles else {}
        env = held | dict(rule.environment)
        kb = _full(rule.scenario, tuple(sorted((env | said_b).items())))
        ka = _full(rule.scenario, tuple(sorted((env | said_a).items())))
        sb, sa = sims.run(rule.scenario, kb), sims.run(rule.scenario, ka)
        if sb is None or sa is None:
            continue
        verdict = verdict_of(sb, sa, rule)
        prop = _violated(sb if verdict == "fixes" else sa, rule)
        facts: tuple[Fact, ...] = ()
        sides: tuple[tuple[Side, dict[str, str]], ...] = (("before", said_b), ("after", said_a))
        for side, said in sides:
            facts += describe.described_facts(rule, phrases + details, side, said)
            facts += sensitivity.unread_facts(
                rule.scenario,
                set(env) | set(said),
                side,
                why="the description does not say {knob}",
            )
        judge = _judge(rule, sims)
        decisive = tuple(
            o
            for o in sensitivity.outcomes(
                rule.scenario,
                kb,
                ka,
                facts,
                knob_of={f.name: f.knob for f in rule.facts},
                judge=judge,
            )
            if o.verdict != verdict
        )
        caveat = ""
        # no ``outcomes`` here: a claim that the patch is safe either way would rest on
        # prose, not on code
        if decisive:
            caveat = sensitivity.explain(
                rule.scenario,
                verdict,
                decisive=decisive,
                unread="the description does not state",
            )
            verdict = "inconclusive"
        elif verdict in _TAKEN_AT_ITS_WORD:
            # prose is not code: a verdict needs facts read from the code
            caveat = (
                f" Taken at its word, the change {_TAKEN_AT_ITS_WORD[verdict]}; the code "
                "that would show it is not readable here, so this is no verdict."
            )
            verdict = "inconclusive"
        files = patch.recovered.files if patch.recovered else ()
        funcs = describe.relevant_functions(patch)
        named = ""
        if files:
            named += f" The damaged diff touches {', '.join(files[:4])}"
            named += f" and names {', '.join(f + '()' for f in funcs[:4])}." if funcs else "."
        out.append(
            Finding(
                rule=rule.id,
                title=rule.title,
                scenario=rule.scenario,
                verdict=verdict,
                severity=rule.severity,  # type: ignore[arg-type]
                confidence="low",
                file="",  # which of the files carries the race is not known
                function="",
                line=None,
                knobs_before=kb,
                knobs_after=ka,
                facts=facts,
                sim_before=sb,
                sim_after=sa,
                invariant=_invariant(rule, prop),
                properties=tuple(rule.properties),
                degraded=True,
                message=(
                    "There is no usable diff; what follows rests on the description "
                    f"only (it mentions {', '.join(repr(p) for p in phrases)})." + named + caveat
                ),
            )
        )
    return out


def _file_texts(patch: Patch) -> dict[str, str]:
    """What the patch shows of each file: every hunk line, of both sides."""
    out: dict[str, str] = {}
    for fc in patch.files:
        lines = [ln.text for h in fc.hunks for ln in h.lines]
        for path in {fc.old_path, fc.new_path} - {None}:
            out[str(path)] = "\n".join(lines)
    return out


def analyze(
    patch: Patch,
    functions: tuple[ChangedFunction, ...],
    *,
    rules: tuple[Rule, ...] | None = None,
    runner: Runner | None = None,
    tree_peers: Mapping[Side, Mapping[str, Body]] | None = None,
) -> Analysis:
    """Findings for one patch. ``runner`` defaults to ``reviewbot.sim.run``."""
    rules = load_library() if rules is None else rules
    sims = _Sims(runner or default_runner())
    peers: dict[Side, dict[str, Body]] = {}
    sides: tuple[Side, Side] = ("before", "after")
    for side in sides:
        base = dict(tree_peers[side]) if tree_peers else {}
        base.update(peers_of(functions, side, patch.diff_text))
        peers[side] = base
    in_patch = {fn.name for fn in functions}
    tree_names = frozenset(set(tree_peers["after"]) - in_patch) if tree_peers else frozenset()
    pairs: list[tuple[Hit, Finding]] = []
    file_texts = _file_texts(patch)
    for rule in rules:
        for hit in match(rule, functions, peers, tree_names, file_texts):
            f = _finding(patch, hit, sims)
            if f is not None:
                pairs.append((hit, f))
    findings = _dedupe(pairs)
    if not findings and _describes_a_change(patch):
        findings = _described(patch, rules, sims)
    elif patch.degraded:
        findings = [replace(f, confidence="low", degraded=True) for f in findings]
    order = {"introduces": 0, "remains": 1, "fixes": 2, "inconclusive": 3, "not-affected": 4}
    findings.sort(key=lambda f: (f.preexisting, order[f.verdict], f.file, f.line or 0, f.rule))
    return Analysis(tuple(findings), tuple(dict.fromkeys(sims.diagnostics)))
