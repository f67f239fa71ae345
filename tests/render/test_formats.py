"""--format b4 / terse / text on hand-made runs (synthetic)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import render_factory as factory

from reviewbot.model import Diagnostic, PatchReport, Series, Subject
from reviewbot.render.b4 import to_b4_json
from reviewbot.render.terse import to_terse
from reviewbot.render.text import to_text


@dataclass(frozen=True)
class Run:
    reports: tuple[PatchReport, ...]
    series: tuple[Series, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


def _run(*verdicts: str, **kw: object) -> Run:
    return Run((factory.report(*(factory.finding(v, **kw) for v in verdicts)),))


def test_b4_statuses() -> None:
    assert json.loads(to_b4_json(_run("fixes")))[0]["status"] == "pass"
    assert json.loads(to_b4_json(_run("introduces")))[0]["status"] == "fail"
    assert json.loads(to_b4_json(_run("introduces", severity="warning")))[0]["status"] == "warn"
    assert json.loads(to_b4_json(_run("remains", "fixes")))[0]["status"] == "fail"
    assert json.loads(to_b4_json(_run("introduces", preexisting=True)))[0]["status"] == "warn"
    assert json.loads(to_b4_json(_run("inconclusive")))[0]["status"] == "warn"
    (entry,) = json.loads(to_b4_json(_run("not-affected")))
    assert entry["status"] == "pass" and entry["details"] == ""


def test_b4_entry_shape() -> None:
    (entry,) = json.loads(to_b4_json(_run("introduces", "fixes")))
    assert set(entry) >= {"tool", "status", "summary", "url", "details"}
    assert entry["tool"] == "reviewbot"
    assert entry["summary"] == "1 fixes, 1 introduces"
    details = json.loads(entry["details"])  # b4's TUI lists a JSON details list
    assert [d["status"] for d in details] == ["fail", "pass"]
    assert details[0]["description"].startswith("fs/exfs/inode.c:407 exfs_evict_inode(): ")


def test_terse_lines_follow_b4_convention() -> None:
    out = to_terse(_run("introduces", "remains", "fixes", "inconclusive"))
    lines = out.splitlines()
    assert len(lines) == 4
    assert lines[0].startswith("fs/exfs/inode.c:407: ERROR: exfs_evict_inode(): introduces ")
    assert lines[1].startswith("fs/exfs/inode.c:407: ERROR: exfs_evict_inode(): leaves in place")
    assert "ERROR:" not in lines[2] and "WARNING:" not in lines[2]
    assert lines[3].startswith("fs/exfs/inode.c:407: WARNING: ")
    assert to_terse(_run("not-affected")) == ""


def test_terse_never_errors_on_preexisting() -> None:
    assert "ERROR:" not in to_terse(_run("introduces", preexisting=True))


def test_text_summary() -> None:
    run = _run("introduces")
    out = to_text(run, {0: "out/0001-x.eml"})
    assert out.splitlines()[0] == factory.message().subject.raw
    assert "  introduces   evict-without-waiting-for-io" in out
    assert "draft: out/0001-x.eml" in out
    assert out.rstrip().endswith("1 message(s), 1 finding(s) (1 introduces), 1 draft(s) written")


def test_text_strips_terminal_escapes() -> None:
    msg = factory.message(subject=Subject(raw="\x1b]0;owned\x07[PATCH] x\x1b[2J", title="x"))
    run = Run((factory.report(factory.finding("fixes"), msg=msg),))
    assert "\x1b" not in to_text(run) and "\x07" not in to_text(run)


def test_text_lists_diagnostics() -> None:
    run = replace(
        _run(), diagnostics=(Diagnostic("no-diff", "message 3 has no diff", "info", "mbox"),)
    )
    assert "info: mbox: message 3 has no diff" in to_text(run)


def test_a_hunk_without_its_file_header_has_no_made_up_path() -> None:
    from reviewbot.diffparse.repair import UNKNOWN_FILE

    run = _run("inconclusive", file=UNKNOWN_FILE, line=48)
    (line,) = to_terse(run).splitlines()
    assert line.startswith("(no file header), line 48: WARNING: exfs_evict_inode(): ")
    assert UNKNOWN_FILE not in to_text(run)
    assert UNKNOWN_FILE not in to_b4_json(run)


def test_bidi_and_control_characters_never_reach_terse_or_text() -> None:
    hostile = "fs/exfs/\u202egnp.c\x1b[2J"
    run = _run("introduces", file=hostile, function="exfs_\u2066evict")
    for out in (to_terse(run), to_text(run), json.loads(to_b4_json(run))[0]["details"]):
        assert not any(c in out for c in "\u202e\u2066\x1b"), out
