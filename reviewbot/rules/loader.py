"""Load and validate the rule library (``reviewbot/rules/library/<rule-id>/rule.yaml``).

A rule is data: roles (named structural tests, see ``extract``), facts (named extractors
plus a tree-sitter query for the lines they rest on), the scenario and its knob mapping,
environment knobs, a description mapping for messages without a usable diff, and an
explanation in fixed sections. Validation errors are ``ReviewbotError`` naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from reviewbot.errors import ReviewbotError
from reviewbot.model import PropertyVerdict, SimResult
from reviewbot.rules.cst import check_query
from reviewbot.rules.extract import EXTRACTORS, ROLES

LIBRARY = Path(__file__).parent / "library"
SECTIONS = ("what_it_flags", "why_it_matters", "example", "fix", "references")
SECTION_TITLES = {
    "what_it_flags": "What it flags",
    "why_it_matters": "Why it matters",
    "example": "Example",
    "fix": "Fix",
    "references": "References",
}
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")
_SEVERITIES = ("info", "warning", "error")
_CONFIDENCES = ("low", "medium", "high")


@dataclass(frozen=True)
class Hold:
    """A knob held at a fixed value while the rule judges a function of one role: the
    knob belongs to another role's code, which that function is not (``reason`` says
    why the value is the one to judge it with)."""

    knob: str
    value: str
    reason: str


@dataclass(frozen=True)
class RoleSpec:
    name: str
    test: str  # the structural test, in words (the code is extract.ROLES[name])
    holds: tuple[Hold, ...] = ()


@dataclass(frozen=True)
class FactSpec:
    name: str
    knob: str
    extractor: str
    default: str
    default_reason: str
    query: str = ""  # tree-sitter query; its @anchor captures are the lines the fact rests on
    owned: bool = True  # this rule reports on the fact (others only configure the scenario)
    # Read only from functions playing this role ("" : from every function the rule
    # matches, as for a rule with one role).
    role: str = ""


@dataclass(frozen=True)
class DescriptionMap:
    all_of: tuple[tuple[str, ...], ...]  # every group needs one matching regex
    before: tuple[tuple[str, str], ...]
    after: tuple[tuple[str, str], ...]
    # (regex, before knobs, after knobs): a detail the description may state (where a
    # check sits, ...); without a match the knob stays at its default, reported assumed
    refine: tuple[tuple[str, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]], ...] = ()


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    status: str
    severity: str
    confidence: str
    scenario: str
    roles: tuple[RoleSpec, ...]
    facts: tuple[FactSpec, ...]
    environment: tuple[tuple[str, str], ...]
    message: str
    explanation: tuple[tuple[str, str], ...]
    description: DescriptionMap | None
    directory: str
    properties: tuple[str, ...] = ()  # the scenario properties this rule judges (empty: all)
    root: str = ""  # the rule's directory on disk

    @property
    def directory_path(self) -> str:
        return self.root or str(LIBRARY / self.directory)

    @property
    def owned(self) -> tuple[FactSpec, ...]:
        return tuple(f for f in self.facts if f.owned)

    def judge(self, result: SimResult) -> PropertyVerdict:
        """The scenario's verdict restricted to this rule's properties."""
        props = [
            p
            for p in result.properties
            if p.kind != "sometimes" and (not self.properties or p.property in self.properties)
        ]
        if any(p.verdict == "violated" for p in props):
            return "violated"
        if any(p.verdict == "inconclusive" for p in props):
            return "inconclusive"
        return "holds"

    def section(self, key: str) -> str:
        return dict(self.explanation).get(key, "")


def _req(data: dict[str, Any], key: str, where: str, kind: type = str) -> Any:
    if key not in data:
        raise ReviewbotError(f"missing key '{key}'", where=where)
    value = data[key]
    if not isinstance(value, kind):
        raise ReviewbotError(f"'{key}' must be a {kind.__name__}", where=where)
    return value


def _pairs(data: Any, where: str) -> tuple[tuple[str, str], ...]:
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise ReviewbotError("expected a mapping of knob: value", where=where)
    return tuple(sorted((str(k), str(v)) for k, v in data.items()))


# libyaml's loader builds the same data about ten times faster than the pure-Python one
# (it was a third of a cold `reviewbot check`); errors are re-parsed with the pure loader
# so that messages stay the same whether or not PyYAML was built with libyaml.
_FAST_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _holds(role: dict[str, Any], where: str) -> tuple[Hold, ...]:
    """``holds: {knob: {value: V, reason: R}}`` of one role."""
    raw = role.get("holds") or {}
    if not isinstance(raw, dict):
        raise ReviewbotError(f"role '{role.get('name')}': holds must be a mapping", where=where)
    out = []
    for knob, spec in raw.items():
        if not isinstance(spec, dict) or "value" not in spec or not spec.get("reason"):
            raise ReviewbotError(
                f"role '{role.get('name')}': held knob '{knob}' needs a value and a reason",
                where=where,
            )
        out.append(Hold(str(knob), str(spec["value"]), " ".join(str(spec["reason"]).split())))
    return tuple(out)


def _load_yaml(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        return yaml.safe_load(text)


def parse_rule(text: str, directory: str, where: str) -> Rule:
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as exc:
        raise ReviewbotError(f"invalid YAML: {exc}", where=where) from None
    if not isinstance(data, dict):
        raise ReviewbotError("a rule file must be a mapping", where=where)
    rid = _req(data, "id", where)
    if rid != directory:
        raise ReviewbotError(
            f"rule id '{rid}' differs from its directory '{directory}'", where=where
        )
    if not _ID.match(rid):
        raise ReviewbotError(f"rule id '{rid}' is not kebab-case", where=where)
    status = _req(data, "status", where)
    if status not in ("preview", "stable"):
        raise ReviewbotError("status must be preview or stable", where=where)
    severity = _req(data, "severity", where)
    if severity not in _SEVERITIES:
        raise ReviewbotError(f"severity must be one of {', '.join(_SEVERITIES)}", where=where)
    confidence = _req(data, "confidence", where)
    if confidence not in _CONFIDENCES:
        raise ReviewbotError(f"confidence must be one of {', '.join(_CONFIDENCES)}", where=where)
    roles = []
    for r in _req(data, "roles", where, list):
        if not isinstance(r, dict) or r.get("name") not in ROLES or not r.get("test"):
            raise ReviewbotError(f"unknown or undocumented role {r!r}", where=where)
        roles.append(RoleSpec(str(r["name"]), " ".join(str(r["test"]).split()), _holds(r, where)))
    facts = []
    for f in _req(data, "facts", where, list):
        if not isinstance(f, dict):
            raise ReviewbotError("each fact must be a mapping", where=where)
        ext = _req(f, "extractor", where)
        if ext not in EXTRACTORS:
            raise ReviewbotError(f"unknown extractor '{ext}'", where=where)
        query = str(f.get("query", "") or "")
        if query and (err := check_query(query)):
            raise ReviewbotError(
                f"bad tree-sitter query for fact '{f.get('name')}': {err}", where=where
            )
        facts.append(
            FactSpec(
                name=_req(f, "name", where),
                knob=_req(f, "knob", where),
                extractor=ext,
                default=str(_req(f, "default", where)),
                default_reason=" ".join(str(_req(f, "default_reason", where)).split()),
                query=query,
                owned=bool(f.get("owned", True)),
                role=str(f.get("role", "") or ""),
            )
        )
    names = {r.name for r in roles}
    for spec in facts:
        if spec.role and spec.role not in names:
            raise ReviewbotError(
                f"fact '{spec.name}' names role '{spec.role}', not one of the rule's", where=where
            )
    if not any(f.owned for f in facts):
        raise ReviewbotError("a rule must own at least one fact", where=where)
    expl = _req(data, "explanation", where, dict)
    missing = [s for s in SECTIONS if not str(expl.get(s, "")).strip()]
    if missing:
        raise ReviewbotError(f"explanation lacks sections: {', '.join(missing)}", where=where)
    desc = data.get("description")
    dmap = None
    if desc is not None:
        groups = tuple(tuple(str(x) for x in g) for g in _req(desc, "all_of", where, list))
        for g in groups:
            for rx in g:
                re.compile(rx)
        refine = []
        for r in desc.get("refine") or ():
            if not isinstance(r, dict) or "match" not in r:
                raise ReviewbotError("description.refine entries need 'match'", where=where)
            re.compile(str(r["match"]))
            refine.append(
                (str(r["match"]), _pairs(r.get("before"), where), _pairs(r.get("after"), where))
            )
        dmap = DescriptionMap(
            groups,
            _pairs(desc.get("before"), where),
            _pairs(desc.get("after"), where),
            tuple(refine),
        )
    return Rule(
        id=rid,
        title=_req(data, "title", where),
        status=status,
        severity=severity,
        confidence=confidence,
        scenario=_req(data, "scenario", where),
        roles=tuple(roles),
        facts=tuple(facts),
        environment=_pairs(data.get("environment"), where),
        message=" ".join(_req(data, "message", where).split()),
        explanation=tuple((s, str(expl[s]).strip("\n")) for s in SECTIONS),
        description=dmap,
        directory=directory,
        properties=tuple(str(p) for p in (data.get("properties") or ())),
    )


@lru_cache(maxsize=4)
def load_library(root: str = str(LIBRARY)) -> tuple[Rule, ...]:
    """Every rule under ``root``, sorted by id."""
    base = Path(root)
    rules = []
    for d in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        path = d / "rule.yaml"
        if not path.is_file():
            raise ReviewbotError("rule directory without rule.yaml", where=str(d))
        rule = parse_rule(path.read_text(encoding="utf-8"), d.name, str(path))
        rules.append(replace(rule, root=str(d)))
    return tuple(rules)


def get_rule(rule_id: str) -> Rule:
    for rule in load_library():
        if rule.id == rule_id:
            return rule
    known = ", ".join(r.id for r in load_library())
    raise ReviewbotError(f"no rule '{rule_id}'", hint=f"known rules: {known}")
