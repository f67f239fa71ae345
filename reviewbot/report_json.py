"""``reviewbot check --format json``: a versioned, documented schema (docs/json-schema.md).

Pure: CheckRun in, text out. Keys are stable within a schema version; a change that
removes or renames a key bumps ``version``, additions do not. Output is deterministic
(sorted keys, no timings unless asked for) so it can be diffed and snapshotted.
"""

from __future__ import annotations

import json
from typing import Any

from reviewbot.model import (
    Diagnostic,
    Fact,
    Finding,
    PatchReport,
    PropertyResult,
    RunLike,
    SimResult,
    TraceStep,
)

SCHEMA = "reviewbot-check"
VERSION = 1


def _diag(d: Diagnostic) -> dict[str, Any]:
    return {"code": d.code, "message": d.message, "severity": d.severity, "where": d.where}


def _fact(f: Fact) -> dict[str, Any]:
    return {
        "name": f.name,
        "value": f.value,
        "side": f.side,
        "text": f.text,
        "file": f.file,
        "function": f.function,
        "line": f.line,
        "assumed": f.assumed,
        "basis": f.basis,
        "partial": f.partial,
    }


def _step(s: TraceStep) -> dict[str, Any]:
    return {"thread": s.thread, "label": s.label, "changes": dict(s.changes), "note": s.note}


def _prop(p: PropertyResult) -> dict[str, Any]:
    return {
        "property": p.property,
        "kind": p.kind,
        "description": p.description,
        "verdict": p.verdict,
        "trace": [_step(s) for s in p.trace],
        "replay": p.replay,
    }


def _sim(r: SimResult | None, timings: bool) -> dict[str, Any] | None:
    if r is None:
        return None
    stats: dict[str, Any] = {
        "states": r.stats.states,
        "transitions": r.stats.transitions,
        "executions": r.stats.executions,
        "complete": r.stats.complete,
    }
    if timings:
        stats["seconds"] = round(r.stats.seconds, 4)
    return {
        "scenario": r.scenario,
        "knobs": dict(r.knobs),
        "verdict": r.verdict,
        "threads": list(r.threads),
        "properties": [_prop(p) for p in r.properties],
        "stats": stats,
    }


def finding_dict(f: Finding, timings: bool = False) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "title": f.title,
        "scenario": f.scenario,
        "verdict": f.verdict,
        "preexisting": f.preexisting,
        "degraded": f.degraded,
        "severity": f.severity,
        "confidence": f.confidence,
        "file": f.file,
        "function": f.function,
        "line": f.line,
        "hunk": f.hunk,
        "invariant": f.invariant,
        "message": f.message,
        "knobs_before": dict(f.knobs_before),
        "knobs_after": dict(f.knobs_after),
        "facts": [_fact(x) for x in f.facts],
        "assumed": [_fact(x) for x in f.assumed],
        "sim_before": _sim(f.sim_before, timings),
        "sim_after": _sim(f.sim_after, timings),
    }


def report_dict(r: PatchReport, timings: bool = False) -> dict[str, Any]:
    msg = r.patch.message
    return {
        "message_id": msg.msgid,
        "subject": msg.subject.raw,
        "source": msg.source,
        "patch_id": r.patch.patch_id,
        "degraded": r.patch.degraded,
        "files": [fc.path for fc in r.patch.files],
        "functions": [{"file": fn.file, "name": fn.name} for fn in r.functions],
        "diagnostics": [_diag(d) for d in dict.fromkeys((*msg.diagnostics, *r.diagnostics))],
        "findings": [finding_dict(f, timings) for f in r.findings if not f.preexisting],
        "preexisting": [finding_dict(f, timings) for f in r.findings if f.preexisting],
    }


def to_dict(run: RunLike, timings: bool = False) -> dict[str, Any]:
    from reviewbot import __version__

    return {
        "schema": SCHEMA,
        "version": VERSION,
        "generator": f"reviewbot {__version__}",
        "diagnostics": [_diag(d) for d in run.diagnostics],
        "series": [
            {
                "key": s.key,
                "version": s.version,
                "total": s.total,
                "cover": s.cover,
                "parts": list(s.parts),
                "complete": s.complete,
            }
            for s in run.series
        ],
        "messages": [report_dict(r, timings) for r in run.reports],
    }


def to_json(run: RunLike, *, timings: bool = False) -> str:
    """The whole run as JSON text (one trailing newline)."""
    from reviewbot.diffparse.visible import json_safe

    text = json.dumps(to_dict(run, timings), indent=2, sort_keys=True, ensure_ascii=False)
    # same value, but a bidi override from a mail cannot reorder what a terminal shows
    return json_safe(text) + "\n"
