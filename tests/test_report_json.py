"""report_json: the documented schema, deterministic and complete."""

from __future__ import annotations

import json
from pathlib import Path

from reviewbot.analyze import analyze
from reviewbot.model import Diagnostic, PatchReport, Series
from reviewbot.pipeline import CheckRun
from reviewbot.report_json import SCHEMA, VERSION, to_json
from tests.rules import kit

DOC = Path(__file__).resolve().parents[1] / "docs" / "json-schema.md"


def _run() -> CheckRun:
    from reviewbot import diffparse

    msg = kit.messages(kit.SEEDS["001"])[0]
    patch = diffparse.extract_patch(msg)
    fns = diffparse.changed_functions(patch)
    result = analyze(patch, fns)
    report = PatchReport(patch, fns, result.findings, (Diagnostic("x-y", "note", "info"),))
    series = (Series("k", 1, None, None, (msg.msgid,), True),)
    return CheckRun((report,), series, (Diagnostic("bad-message", "skipped", "warning", "m 2"),))


def test_schema_carries_what_the_issue_asks_for() -> None:
    data = json.loads(to_json(_run()))
    assert data["schema"] == SCHEMA and data["version"] == VERSION
    (msg,) = data["messages"]
    assert {"message_id", "subject", "diagnostics", "findings", "preexisting"} <= set(msg)
    finding = msg["findings"][0]
    for key in (
        "rule",
        "scenario",
        "verdict",
        "preexisting",
        "severity",
        "file",
        "function",
        "line",
        "knobs_before",
        "knobs_after",
        "assumed",
        "sim_before",
        "sim_after",
    ):
        assert key in finding
    sim = finding["sim_before"]
    assert sim["knobs"] == finding["knobs_before"]
    prop = next(p for p in sim["properties"] if p["verdict"] == "violated")
    assert prop["trace"] and prop["replay"]
    assert {"states", "transitions", "executions", "complete"} == set(sim["stats"])
    assert data["diagnostics"][0]["code"] == "bad-message"


def test_output_is_deterministic_and_timings_are_opt_in() -> None:
    run = _run()
    assert to_json(run) == to_json(_run())
    timed = json.loads(to_json(run, timings=True))
    assert "seconds" in timed["messages"][0]["findings"][0]["sim_after"]["stats"]


def test_every_finding_key_is_documented() -> None:
    doc = DOC.read_text()
    finding = json.loads(to_json(_run()))["messages"][0]["findings"][0]
    for key in finding:
        assert f"`{key}`" in doc, key


def test_bidi_controls_from_a_mail_are_escaped_but_keep_their_value() -> None:
    """A subject carrying U+202E (right-to-left override) must not reorder what a
    terminal shows of the JSON; parsed back, the value is unchanged."""
    run = _run()
    spoof = "\u202e" + "fdp.exe\x85"
    report = run.reports[0]
    msg = report.patch.message
    bad = Diagnostic("x-y", f"subject {spoof}", "info")
    run = CheckRun((PatchReport(report.patch, report.functions, report.findings, (bad,)),), (), ())
    text = to_json(run)
    assert "\u202e" not in text and "\x85" not in text and "\\u202e" in text
    (m,) = json.loads(text)["messages"]
    assert any(d["message"] == f"subject {spoof}" for d in m["diagnostics"])
    assert msg.msgid  # the rest of the report is untouched
