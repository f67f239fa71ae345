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


def read_side(rule: Rule, v: SideView, tree_names: frozenset[str] = frozenset()) -> Reading:
    facts: list[Fact] = []
    knobs = dict(rule.environment)
    own: list[tuple[str, str]] = []
    rows: list[int] = []
    seen = False
    primary: int | None = None
    for spec in rule.facts:
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
                )
            )
        knobs[spec.knob] = value
        if spec.owned:
            own.append((spec.name, value))
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


def _plays_role(rule: Rule, v: SideView | None) -> bool:
    return v is not None and any(ROLES[r.name](v) for r in rule.roles)


def match(
    rule: Rule,
    functions: tuple[ChangedFunction, ...],
    peers: Mapping[Side, Mapping[str, Body]],
    tree_names: frozenset[str] = frozenset(),
) -> list[Hit]:
    """Hits of one rule; ``tree_names`` are peers read from a --tree checkout only."""
    hits = []
    for fn in functions:
        before = view(fn, "before", peers["before"])
        after = view(fn, "after", peers["after"])
        if not (_plays_role(rule, before) or _plays_role(rule, after)):
            continue
        rb = read_side(rule, before, tree_names) if before is not None else None
        ra = read_side(rule, after, tree_names) if after is not None else None
        if not any(r is not None and r.own_seen for r in (rb, ra)):
            continue  # the role fits but nothing the rule is about is visible
        hits.append(Hit(rule=rule, fn=fn, before=rb, after=ra))
    return hits
