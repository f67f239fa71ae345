"""The CLI's one error path: exit codes and one-line messages, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reviewbot import cli
from reviewbot.errors import InputError

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        cli.main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


@pytest.mark.parametrize(
    "args",
    [["check", "--bogus", "x"], ["no-such-command"], ["check"], ["sim", "run"]],
)
def test_usage_errors_exit_2_with_a_usage_message(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(args, capsys)
    assert code == 2
    assert "Error:" in err and "internal error" not in err and "Traceback" not in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(["check", "--help"], capsys)
    assert code == 0 and "--format" in out


def test_input_error_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = _run(["check", str(tmp_path / "missing.mbox")], capsys)
    assert code == 2
    assert err.startswith("reviewbot: error: ") and err.count("\n") == 1


def test_unexpected_exception_is_one_line_with_a_hint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*_a: object, **_k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "app", boom)
    code, _, err = _run(["check", "x"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "internal error: RuntimeError: boom" in err and "--debug" in err


def test_reviewbot_error_raises_with_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_a: object, **_k: object) -> None:
        raise InputError("bad", where="x")

    monkeypatch.setattr(cli, "app", fail)
    with pytest.raises(InputError):
        cli.main(["--debug", "check", "x"])


def test_no_module_imports_click_directly() -> None:
    """Recent typer vendors click and installs no ``click`` package: importing it
    works on a developer machine that has click for other reasons, and fails on a
    fresh one (it did, in the README's quickstart)."""
    offenders = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "reviewbot").rglob("*.py")
        if any(
            line.strip().startswith(("import click", "from click"))
            for line in p.read_text().splitlines()
        )
        and p.name != "cli.py"
    ]
    assert offenders == []


def test_module_entry_point_runs() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "reviewbot", "sim", "list"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0 and "getattr-writeback" in proc.stdout


SEED_001 = ROOT / "fixtures" / "patches" / "0001-seed-001-netfs-9p-umount-race.mbox"


@pytest.mark.parametrize("fmt", ["b4", "terse", "text"])
def test_a_review_that_crashes_is_never_a_pass(
    fmt: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug in the analysis of one message used to come out as "no findings", exit 0
    (b4: pass). It is exit 2, says so on stderr, and b4/terse mark the patch failed."""
    import json

    from reviewbot import pipeline

    def boom(*_a: object, **_k: object) -> object:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pipeline, "analyze", boom)
    code, out, err = _run(["check", "--format", fmt, str(SEED_001)], capsys)
    assert code == 2
    assert "ZeroDivisionError" in (err if fmt != "text" else out)
    if fmt == "b4":
        (entry,) = json.loads(out)
        assert entry["status"] == "fail" and entry["summary"].startswith("not reviewed:")
    if fmt == "terse":
        assert "ERROR: not reviewed:" in out


def test_a_damaged_message_in_a_batch_exits_2_and_the_rest_is_reviewed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Synthetic batch: the seed's first message, then one whose base64 body decodes to
    nothing (an undecodable-body error)."""
    good = SEED_001.read_bytes().split(b"\nFrom ", 1)[0].rstrip(b"\n") + b"\n"
    bad = (
        b"From reviewbot Thu Jan  1 00:00:00 1970\nFrom: a <a@example.org>\n"
        b"Subject: [PATCH] damaged\nMessage-ID: <bad@example.org>\nMIME-Version: 1.0\n"
        b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!!\n"
    )
    box = tmp_path / "batch.mbox"
    box.write_bytes(good + b"\n" + bad)
    code, out, err = _run(["check", "--format", "terse", str(box)], capsys)
    assert code == 2
    assert "v9fs_evict_inode(): fixes no-uaf" in out  # the good message is still reviewed
    assert err.count("reviewbot: error:") == 1


def test_tree_must_be_a_git_checkout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(["check", "--tree", str(tmp_path), str(SEED_001)], capsys)
    assert code == 2 and out == "" and "not a git checkout" in err and err.count("\n") == 1
