"""Text and JSON for `reviewbot sim` (pure: strings and dicts; the command prints)."""

from __future__ import annotations

import shlex
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

from reviewbot.model import PropertyResult, SimResult, TraceStep
from reviewbot.sim.registry import ScenarioSpec
from reviewbot.sim.trace import render_columns, render_steps


def list_json(specs: Mapping[str, ScenarioSpec]) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "title": s.title,
            "summary": s.summary,
            "limits": s.limits,
            "knobs": {
                k: {"values": list(v), "default": s.defaults.get(k), "doc": s.knob_docs.get(k, "")}
                for k, v in s.knobs.items()
            },
            "variants": {
                name: {"knobs": dict(v.knobs), "expected": dict(v.expected), "note": v.note}
                for name, v in s.variants.items()
            },
        }
        for s in specs.values()
    ]


def list_text(specs: Mapping[str, ScenarioSpec], *, verbose: bool = False) -> str:
    """One line per scenario; ``verbose`` adds knobs, variants and expected verdicts."""
    if not specs:
        return "no scenarios installed\n"
    if not verbose:
        width = max(len(s.id) for s in specs.values())
        return "".join(
            f"{s.id:<{width}}  {s.title} ({len(s.variants)} variants)\n" for s in specs.values()
        )
    out: list[str] = []
    for s in specs.values():
        out.extend(textwrap.wrap(f"{s.id}: {s.title}", 78, subsequent_indent="    "))
        for k, values in s.knobs.items():
            shown = "|".join(f"[{v}]" if v == s.defaults.get(k) else v for v in values)
            out.append(f"  --knob {k}={shown}")
            out.extend(
                textwrap.wrap(
                    s.knob_docs.get(k, ""), 78, initial_indent=" " * 6, subsequent_indent=" " * 6
                )
            )
        for name, v in s.variants.items():
            knobs = " ".join(f"{k}={x}" for k, x in sorted(v.knobs.items()))
            out.extend(
                textwrap.wrap(
                    f"variant {name}: {knobs}", 78, initial_indent="  ", subsequent_indent=" " * 6
                )
            )
            for p, verdict in v.expected.items():
                out.append(f"      expects {p}: {verdict}")
        out.append("")
    return "\n".join(out)


def exit_code(result: SimResult) -> int:
    """1 violated; 2 inconclusive or vacuous; 0 everything holds."""
    verdict = result.verdict
    if verdict == "violated":
        return 1
    vacuous = any(p.kind == "sometimes" and p.verdict != "holds" for p in result.properties)
    return 2 if verdict == "inconclusive" or vacuous else 0


def _step_json(step: TraceStep) -> dict[str, Any]:
    return {
        "thread": step.thread,
        "label": step.label,
        "changes": [{"var": k, "value": v} for k, v in step.changes],
        "note": step.note,
    }


def _stats(result: SimResult) -> dict[str, Any]:
    s = result.stats
    return {
        "states": s.states,
        "transitions": s.transitions,
        "executions": s.executions,
        "pruned": s.pruned,
        "seconds": s.seconds,
        "complete": s.complete,
    }


def run_json(result: SimResult, expected: Mapping[str, str]) -> dict[str, Any]:
    return {
        "scenario": result.scenario,
        "knobs": dict(result.knobs),
        "verdict": result.verdict,
        "threads": list(result.threads),
        "stats": _stats(result),
        "properties": [
            {
                "property": p.property,
                "kind": p.kind,
                "description": p.description,
                "verdict": p.verdict,
                "expected": expected.get(p.property),
                "trace": [_step_json(s) for s in p.trace],
                "replay": p.replay,
            }
            for p in result.properties
        ],
    }


def _verdict_word(p: PropertyResult) -> str:
    if p.kind == "sometimes":
        return {"holds": "reachable", "violated": "UNREACHABLE (vacuous)"}.get(p.verdict, p.verdict)
    return "VIOLATED" if p.verdict == "violated" else p.verdict


def run_text(result: SimResult, expected: Mapping[str, str], width: int = 78) -> str:
    s = result.stats
    knobs = " ".join(f"{k}={v}" for k, v in result.knobs)
    out = [
        f"{result.scenario}  {knobs}".rstrip(),
        f"  {s.states} states, {s.transitions} transitions, {s.seconds:.3f}s, "
        f"{'complete' if s.complete else 'INCOMPLETE'}",
        f"  {s.executions} executions explored, {s.pruned} of them pruned before the end",
        "",
    ]
    for p in result.properties:
        line = f"{p.property} ({p.kind}): {_verdict_word(p)} - {p.description}"
        want = expected.get(p.property)
        if want is not None:
            line += "  [as expected]" if want == p.verdict else f"  [EXPECTED {want}]"
        out.append(line)
        if p.trace and (p.verdict == "violated" or p.kind == "sometimes"):
            out.append("")
            out.append(render_columns(result, p, width).rstrip("\n"))
            out.append("")
            out.append(f"  replay: reviewbot sim replay {result.scenario} {shlex.quote(p.replay)}")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


def replay_json(
    scenario: str, replay: str, steps: Sequence[TraceStep], failed: Sequence[str]
) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "replay": replay,
        "violated": list(failed),
        "trace": [_step_json(s) for s in steps],
    }


def replay_text(
    headers: Sequence[str], steps: Sequence[TraceStep], failed: Sequence[str], width: int = 78
) -> str:
    cols: dict[str, int] = {}
    for st in steps:
        for i, h in enumerate(headers):
            if h == st.thread or h.endswith(f"({st.thread})"):
                cols.setdefault(st.thread, i)
    text = render_steps(headers, steps, cols, width)
    tail = "violates: " + ", ".join(failed) if failed else "no safety property violated"
    return text + "\n" + tail + "\n"


Row = tuple[str, str, str, str, str, bool]  # scenario, variant, property, want, got, ok


def check_rows(results: Sequence[tuple[str, Mapping[str, str], SimResult]]) -> list[Row]:
    rows: list[Row] = []
    for variant, expected, res in results:
        got = {p.property: p.verdict for p in res.properties}
        for prop, want in expected.items():
            have = got.get(prop, "missing")
            rows.append((res.scenario, variant, prop, want, have, have == want))
    return rows


def check_text(rows: Sequence[Row]) -> str:
    out = []
    for sid, variant, prop, want, have, ok in rows:
        mark = "ok" if ok else f"MISMATCH (got {have})"
        out.append(f"{sid} {variant}: {prop} {want}  {mark}")
    bad = sum(1 for r in rows if not r[-1])
    out.append(f"{len(rows) - bad} of {len(rows)} expected verdicts match")
    return "\n".join(out) + "\n"
