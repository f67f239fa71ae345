"""`reviewbot check` end to end with a stand-in pipeline (synthetic reports), so the
command's formats, exit codes and draft files are tested whatever the rules do."""

from __future__ import annotations

import subprocess
import sys
import types
from dataclasses import dataclass
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import render_factory as factory

import reviewbot
from reviewbot.cli import main
from reviewbot.model import CheckOptions, Diagnostic, PatchReport, Series, Subject


@dataclass(frozen=True)
class Run:
    reports: tuple[PatchReport, ...]
    series: tuple[Series, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


SEEN: list[CheckOptions] = []


@pytest.fixture
def fake_pipeline(monkeypatch: pytest.MonkeyPatch) -> list[PatchReport]:
    reports: list[PatchReport] = [factory.report(factory.finding("introduces"))]

    def check(source: str, options: CheckOptions, *, stdin: bytes | None = None) -> Run:
        SEEN.append(options)
        return Run(tuple(reports))

    fake = types.ModuleType("reviewbot.pipeline")
    fake.check = check  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "reviewbot.pipeline", fake)
    monkeypatch.setattr(reviewbot, "pipeline", fake, raising=False)
    return reports


@pytest.fixture
def no_git_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "nogitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.chdir(tmp_path)


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)


FROM = ["--from", "Rita Reviewer <rita@example.org>", "--now", "2026-02-18T17:00:00+00:00"]


def test_email_to_stdout_is_an_mbox_of_drafts(fake_pipeline, capsysbinary) -> None:  # type: ignore[no-untyped-def]
    assert _run(["check", "x.mbox", "--format", "email", *FROM]) == 1
    out = capsysbinary.readouterr().out
    assert out.startswith(b"From reviewbot ")
    parsed = message_from_bytes(out.split(b"\n", 1)[1], policy=policy.default)
    assert parsed["Subject"].startswith("Re: [PATCH v2] exfs:")
    assert parsed["Message-ID"].startswith("<reviewbot-") and parsed["Message-ID"].endswith(
        "@example.org>"
    )


def test_out_dir_and_text_summary(fake_pipeline, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "drafts"
    assert _run(["check", "x.mbox", "--out", str(out), *FROM]) == 1
    (eml,) = sorted(out.iterdir())
    assert eml.name == "0001-exfs-wait-for-outstanding-requests-before-evicting.eml"
    text = capsys.readouterr().out
    assert f"draft: {eml}" in text
    # deterministic: the same input and --now give the same bytes
    first = eml.read_bytes()
    assert _run(["check", "x.mbox", "--out", str(out), *FROM]) == 1
    assert eml.read_bytes() == first


def test_exit_zero_without_findings(fake_pipeline, capsysbinary) -> None:  # type: ignore[no-untyped-def]
    fake_pipeline[:] = [factory.report(factory.finding("not-affected"))]
    assert _run(["check", "x.mbox", "--format", "email", *FROM]) == 0
    assert capsysbinary.readouterr().out == b""
    assert _run(["check", "x.mbox", "--format", "email", "--always", *FROM]) == 0
    assert b"found nothing to ask about" in capsysbinary.readouterr().out


def test_options_reach_the_pipeline(fake_pipeline) -> None:  # type: ignore[no-untyped-def]
    SEEN.clear()
    _run(
        [
            "check",
            "x.mbox",
            "--format",
            "terse",
            "--min-severity",
            "error",
            "--disable",
            "a",
            "--disable",
            "b",
            "--summary",
        ]
    )
    assert SEEN[-1].min_severity == "error"
    assert SEEN[-1].disabled_rules == ("a", "b") and SEEN[-1].summary


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "html"],
        ["--min-severity", "fatal"],
        ["--now", "yesterday", "--format", "email", "--from", "a <a@b.c>"],
        ["--format", "email", "--from", "not an address"],
        ["--tree", "/nonexistent/tree"],
    ],
)
def test_usage_errors_are_one_line(fake_pipeline, capsys, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert _run(["check", "x.mbox", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("reviewbot: error: ")


def test_email_needs_a_sender(fake_pipeline, no_git_identity, capsys) -> None:  # type: ignore[no-untyped-def]
    assert _run(["check", "x.mbox", "--format", "email"]) == 2
    assert "--from" in capsys.readouterr().err


def test_sender_from_git_config(fake_pipeline, no_git_identity, tmp_path, capsysbinary) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "nogitconfig"
    subprocess.run(["git", "config", "--file", str(cfg), "user.name", "Gina Git"], check=True)
    subprocess.run(
        ["git", "config", "--file", str(cfg), "user.email", "gina@example.com"], check=True
    )
    assert _run(["check", "x.mbox", "--format", "email", "--now", "2026-02-18T17:00:00"]) == 1
    out = capsysbinary.readouterr().out
    assert b"From: Gina Git <gina@example.com>" in out
    assert b"Date: Wed, 18 Feb 2026 17:00:00 +0000" in out


def test_stdin_is_read_for_dash(monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import io

    got: list[bytes | None] = []

    def check(source: str, options: CheckOptions, *, stdin: bytes | None = None) -> Run:
        got.append(stdin)
        return Run(())

    fake = types.ModuleType("reviewbot.pipeline")
    fake.check = check  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "reviewbot.pipeline", fake)
    monkeypatch.setattr(reviewbot, "pipeline", fake, raising=False)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"From x\n\nbody\n")))
    assert _run(["check", "-", "--format", "terse"]) == 0
    assert got == [b"From x\n\nbody\n"]
    assert capsys.readouterr().out == ""


def test_json_format_uses_the_documented_schema(fake_pipeline, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    assert _run(["check", "x.mbox", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc, dict)


def test_b4_and_terse_formats(fake_pipeline, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    assert _run(["check", "x.mbox", "--format", "b4"]) == 1
    out = capsys.readouterr().out
    assert json.loads(out)[0]["status"] == "fail"
    assert _run(["check", "x.mbox", "--format", "terse"]) == 1
    assert capsys.readouterr().out.count("ERROR:") == 1


def test_shared_message_id_gets_a_draft_each(fake_pipeline, capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    other = factory.message(subject=Subject(raw="[PATCH] exfs: other", title="exfs: other"))
    fake_pipeline.append(factory.report(factory.finding("remains"), msg=other))
    out = tmp_path / "drafts"
    assert _run(["check", "x.mbox", "--format", "email", "--out", str(out), *FROM]) == 1
    assert len(list(out.iterdir())) == 2
    assert "wrote 2 draft(s)" in capsys.readouterr().err
    assert _run(["check", "x.mbox", "--out", str(out), *FROM]) == 1
    text = capsys.readouterr().out
    first, second = sorted(out.iterdir())
    assert f"draft: {first}" in text and f"draft: {second}" in text
    assert text.index(f"draft: {first}") < text.index(f"draft: {second}")
