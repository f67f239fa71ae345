"""Run a rule's annotated C examples (semgrep style).

``/* ruleid: <id> */`` marks the next code line as one the rule must report;
``/* ok: <id> */`` marks one it must not. Every function of the file is treated as a new
function (an after side with no before side), with the file's other functions and macros
as peers; a line is reported when the rule's role fits, and the scenario run with that
function's knobs violates a property.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from reviewbot.model import ChangedFunction, FunctionSide, LineKind
from reviewbot.rules.context import peers_of
from reviewbot.rules.cst import split_functions
from reviewbot.rules.loader import Rule
from reviewbot.rules.matcher import match

_MARK = re.compile(r"/\*\s*(ruleid|ok|todoruleid|todook):\s*([\w-]+)\s*\*/")


@dataclass(frozen=True)
class ExampleResult:
    rule: str
    path: str
    expected: tuple[int, ...]  # lines marked ruleid
    allowed_not: tuple[int, ...]  # lines marked ok
    reported: tuple[int, ...]
    messages: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return set(self.expected) == set(self.reported) and not set(self.allowed_not) & set(
            self.reported
        )

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.expected), len(self.allowed_not)


def marks(text: str, rule_id: str) -> dict[str, list[int]]:
    lines = text.splitlines()
    out: dict[str, list[int]] = {"ruleid": [], "ok": [], "todoruleid": [], "todook": []}
    for i, line in enumerate(lines):
        for m in _MARK.finditer(line):
            if m.group(2) != rule_id:
                continue
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or _MARK.search(lines[j])):
                j += 1
            out[m.group(1)].append(j + 1)
    return out


def as_functions(text: str, path: str) -> tuple[ChangedFunction, ...]:
    fns = []
    for name, body, first in split_functions(text):
        n = body.count("\n") + 1
        added: LineKind = "added"
        kinds = (added,) * n
        side = FunctionSide(
            name=name,
            text=body,
            first_line=first,
            line_kinds=kinds,
            complete=True,
            line_numbers=tuple(range(first, first + n)),
        )
        fns.append(ChangedFunction(file=path, name=name, before=None, after=side))
    return tuple(fns)


def run_examples(rule: Rule, runner: object) -> list[ExampleResult]:
    from reviewbot.analyze import Runner

    run: Runner = runner  # type: ignore[assignment]
    results = []
    for path in sorted(Path(rule.directory_path).glob("*.c")):
        text = path.read_text(encoding="utf-8")
        fns = as_functions(text, path.name)
        peers = {"after": peers_of(fns, "after", text), "before": {}}
        reported: list[int] = []
        messages: list[str] = []
        for hit in match(rule, fns, peers):  # type: ignore[arg-type]
            if hit.after is None:
                continue
            result = run(rule.scenario, dict(hit.after.knobs))
            if rule.judge(result) == "violated" and hit.line is not None:
                reported.append(hit.line)
                own = [f.text for f in hit.after.facts if f.name in {s.name for s in rule.owned}]
                messages.append(f"{path.name}:{hit.line}: {'; '.join(own)}")
        found = marks(text, rule.id)
        results.append(
            ExampleResult(
                rule=rule.id,
                path=str(path),
                expected=tuple(found["ruleid"]),
                allowed_not=tuple(found["ok"]),
                reported=tuple(sorted(reported)),
                messages=tuple(messages),
            )
        )
    return results
