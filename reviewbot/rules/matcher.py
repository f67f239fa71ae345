"""Match rules to changed functions: role tests, then facts per side, then knobs.

For each rule and each changed function whose before or after side plays one of the
rule's roles, every fact the rule lists is read from each side (``Observed``) or, when
the side does not decide it, takes the rule's documented default and is marked assumed.
The result is a ``Hit``: the knobs for each side and whether the patch touched what the
rule is about (its own facts changed, or a line they rest on was added or removed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reviewbot.model import ChangedFunction, Fact, Side
from reviewbot.rules.context import Observed, SideView, view
from reviewbot.rules.cst import Body, captures
from reviewbot.rules.extract import EXTRACTORS, ROLES
from reviewbot.rules.loader import Rule


@dataclass(frozen=True)
class Reading:
    side: Side
    knobs: tuple[tuple[str, str], ...]  # rule facts + environment, sorted
    facts: tuple[Fact, ...]
    own: tuple[tuple[str, str], ...]  # owned fact name -> value
    own_seen: bool  # at least one owned fact was read from code
    anchors: tuple[int, ...]  # file lines the owned facts rest on
    touched: bool  # one of those lines is added/removed on this side
    primary: int | None = None  # file line of the first owned fact's main evidence


@dataclass(frozen=True)
class Hit:
    rule: Rule
    fn: ChangedFunction
    before: Reading | None
    after: Reading | None

    @property
    def changed(self) -> bool:
        if self.before is None or self.after is None:
            return True
        return self.before.own != self.after.own or self.before.touched or self.after.touched

    @property
    def where(self) -> tuple[int | None, Side]:
        """The line the finding is about, and the side (post-image first) it is on."""
        sides: tuple[Reading | None, ...] = (self.after, self.before)
        for reading in sides:
            if reading is not None and reading.primary is not None:
                return reading.primary, reading.side
        for reading in sides:
            if reading is not None and reading.anchors:
                return reading.anchors[0], reading.side
        fs = self.fn.after or self.fn.before
        return (fs.first_line if fs is not None else None), ("after" if self.fn.after else "before")

    @property
    def line(self) -> int | None:
        return self.where[0]


def _anchor_rows(v: SideView, spec_query: str) -> list[int]:
    if not spec_query:
        return []
    return [row for name, rows in captures(spec_query, v.fs) for row in rows if name == "anchor"]


def read_side(
    rule: Rule,
    v: SideView,
    tree_names: frozenset[str] = frozenset(),
    roles: frozenset[str] | None = None,
) -> Reading:
    """One side's facts. ``roles``: the rule's roles the function plays (on either
    side); a fact with a ``role`` is read only from such a function, and each played
    role's held knobs fill what its own facts do not set (see ``_held``)."""
    facts: list[Fact] = []
    knobs = dict(rule.environment)
    own: list[tuple[str, str]] = []
    rows: list[int] = []
    seen = False
    primary: int | None = None
    played = _played(rule, v) if roles is None else roles
    for spec in rule.facts:
        if spec.role and spec.role not in played:
            continue  # another role's code: this function is not it
        obs: Observed | None = EXTRACTORS[spec.extractor](v)
        if obs is None:
            value = spec.default
            facts.append(
                Fact(
                    name=spec.name,
                    value=value,
                    side=v.side,
                    text=f"{spec.default_reason} (assumed: {spec.knob}={value})",
                    file=v.fn.file,
                    function=v.name,
                    assumed=True,
                    basis="default",
                )
            )
        else:
            value = obs.value
            if spec.owned and obs.decisive:
                seen = True
                if primary is None and obs.rows:
                    primary = v.line_of(obs.rows[0])
                rows.extend(obs.rows)
                rows.extend(_anchor_rows(v, spec.query))
            facts.append(
                Fact(
                    name=spec.name,
                    value=value,
                    side=v.side,
                    text=obs.text,
                    line=v.line_of(obs.rows[0]) if obs.rows else None,
                    file=v.fn.file,
                    function=v.name,
                    basis="tree" if v.fs.complete or obs.via in tree_names else "code",
                    partial=obs.partial,
                )
            )
        knobs[spec.knob] = value
        if spec.owned:
            own.append((spec.name, value))
    facts.extend(_held(rule, v, played, knobs))
    rows = sorted({r for r in rows if v.line_of(r) is not None})
    touched = any(v.kind_of(r) != "context" for r in rows)
    lines = tuple(ln for r in rows if (ln := v.line_of(r)) is not None)
    return Reading(
        side=v.side,
        knobs=tuple(sorted(knobs.items())),
        facts=tuple(facts),
        own=tuple(own),
        own_seen=seen,
        anchors=lines,
        touched=touched,
        primary=primary,
    )


def _played(rule: Rule, v: SideView | None) -> frozenset[str]:
    if v is None:
        return frozenset()
    return frozenset(r.name for r in rule.roles if ROLES[r.name](v))


def _held(rule: Rule, v: SideView, played: frozenset[str], knobs: dict[str, str]) -> list[Fact]:
    """Knobs a played role holds (the other roles' code, which this function is not),
    set in ``knobs`` unless a fact read them; listed as held, with the reason, never as
    assumed (so the sensitivity check does not vary them)."""
    out: list[Fact] = []
    read = {spec.knob for spec in rule.facts if not spec.role or spec.role in played}
    for role in rule.roles:
        if role.name not in played:
            continue
        for hold in role.holds:
            if hold.knob in read or hold.knob in {f.name for f in out}:
                continue
            knobs[hold.knob] = hold.value
            out.append(
                Fact(
                    name=hold.knob,
                    value=hold.value,
                    side=v.side,
                    text=f"{hold.reason} (held: {hold.knob}={hold.value})",
                    file=v.fn.file,
                    function=v.name,
                    basis="held",
                )
            )
    return out


def match(
    rule: Rule,
    functions: tuple[ChangedFunction, ...],
    peers: Mapping[Side, Mapping[str, Body]],
    tree_names: frozenset[str] = frozenset(),
    file_texts: Mapping[str, str] | None = None,
) -> list[Hit]:
    """Hits of one rule; ``tree_names`` are peers read from a --tree checkout only;
    ``file_texts`` what the patch shows of each file, by path (``SideView.file_text``)."""
    hits = []
    for fn in functions:
        file_text = (file_texts or {}).get(fn.file, "")
        before = view(fn, "before", peers["before"], file_text, peers["after"])
        after = view(fn, "after", peers["after"], file_text, peers["before"])
        played = _played(rule, before) | _played(rule, after)
        if not played:
            continue
        rb = read_side(rule, before, tree_names, played) if before is not None else None
        ra = read_side(rule, after, tree_names, played) if after is not None else None
        if not any(r is not None and r.own_seen for r in (rb, ra)):
            continue  # the role fits but nothing the rule is about is visible
        hits.append(Hit(rule=rule, fn=fn, before=rb, after=ra))
    return hits
