"""`reviewbot rules list|show ID|test`: the rule library, its explanations and examples.

Exit codes: 0 ok, 1 an example failed (`test`), 2 usage error (unknown rule id).
"""

from __future__ import annotations

import sys
import textwrap
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    rules_app = typer.Typer(
        name="rules",
        help="List, explain and test the rules.",
        no_args_is_help=True,
        add_completion=False,
    )

    @rules_app.command("list")
    def _list() -> int:
        """One line per rule: id, status, severity, scenario, title."""
        sys.stdout.write(list_text())
        return 0

    @rules_app.command("show")
    def _show(rule_id: Annotated[str, typer.Argument(metavar="ID")]) -> int:
        """Print a rule's explanation, roles, facts and knob mapping."""
        sys.stdout.write(show_text(rule_id))
        return 0

    @rules_app.command("test")
    def _test(
        rule_id: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
    ) -> int:
        """Run every rule's annotated C examples (ruleid/ok) through the simulation."""
        text, ok = test_text(rule_id)
        sys.stdout.write(text)
        return 0 if ok else 1

    app.add_typer(rules_app)


def list_text() -> str:
    from reviewbot.rules.loader import load_library

    rules = load_library()
    width = max(len(r.id) for r in rules)
    lines = [
        f"{r.id:<{width}}  {r.status:<7}  {r.severity:<7}  {r.scenario:<24}  {r.title}"
        for r in rules
    ]
    return "\n".join(lines) + "\n"


def show_text(rule_id: str) -> str:
    from reviewbot.rules.loader import SECTION_TITLES, get_rule

    rule = get_rule(rule_id)
    out = [
        f"{rule.id}: {rule.title}",
        f"status {rule.status}, severity {rule.severity}, confidence {rule.confidence}, "
        f"scenario {rule.scenario}"
        + (f" (judged on: {', '.join(rule.properties)})" if rule.properties else ""),
        "",
    ]
    for key, body in rule.explanation:
        out.append(SECTION_TITLES[key])
        out.extend("    " + line if line.strip() else "" for line in body.splitlines())
        out.append("")
    out.append("Roles (found by structure, not by name)")
    for role in rule.roles:
        out.extend(
            textwrap.wrap(
                f"{role.name}: {role.test}", 76, initial_indent="    ", subsequent_indent="      "
            )
        )
        for hold in role.holds:
            out.extend(
                textwrap.wrap(
                    f"holds {hold.knob}={hold.value} while judged: {hold.reason}",
                    76,
                    initial_indent="      ",
                    subsequent_indent="        ",
                )
            )
    out.append("")
    out.append("Facts -> knobs (default when the patch does not show it)")
    for fact in rule.facts:
        mark = "" if fact.owned else " [configures the scenario only]"
        scope = f", read from the {fact.role} role only" if fact.role else ""
        out.append(f"    {fact.name} -> {fact.knob}, default {fact.default}{scope}{mark}")
    if rule.environment:
        env = ", ".join(f"{k}={v}" for k, v in rule.environment)
        out.append(f"    fixed: {env}")
    return "\n".join(out).rstrip() + "\n"


def test_text(rule_id: str | None = None) -> tuple[str, bool]:
    from reviewbot.analyze import default_runner
    from reviewbot.rules.examples import run_examples
    from reviewbot.rules.loader import get_rule, load_library

    rules = (get_rule(rule_id),) if rule_id else load_library()
    runner = default_runner()
    lines: list[str] = []
    ok = True
    for rule in rules:
        for res in run_examples(rule, runner):
            missing = sorted(set(res.expected) - set(res.reported))
            extra = sorted(set(res.reported) - set(res.expected))
            status = "ok" if res.passed else "FAIL"
            ok = ok and res.passed
            n_bad, n_ok = res.counts
            lines.append(f"{status:<4}  {rule.id}  ({n_bad} ruleid, {n_ok} ok)")
            lines.extend(f"      missed: line {ln}" for ln in missing)
            lines.extend(f"      unexpected: line {ln}" for ln in extra)
    lines.append("all examples pass" if ok else "some examples fail")
    return "\n".join(lines) + "\n", ok
