"""`reviewbot check` with the real pipeline: exit codes, and bad input as one line.

0 no findings, 1 findings, 2 error; a mailbox with one broken message still reviews
the rest and says one line about the broken one; a missing file, a directory that is
not a Maildir and an empty stdin are one clear error line and exit 2, never a
traceback.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

import reviewbot.mail
from reviewbot.cli import main

PATCHES = Path(__file__).resolve().parents[2] / "fixtures" / "patches"
NEGATIVE = PATCHES / "0007-neg-01-xfs-cleanup-vn-getattr.mbox"  # no findings
FIX = PATCHES / "0201-ceph-evict-wait-for-outstanding-io.mbox"  # one `fixes`


@pytest.fixture(autouse=True)
def _no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def _run(args: list[str]) -> int:
    with pytest.raises(SystemExit) as exc:
        main(args)
    return int(exc.value.code or 0)


def _one_error_line(err: str) -> None:
    assert "Traceback" not in err
    assert err.count("\n") == 1 and err.startswith("reviewbot: error: "), err


def test_exit_zero_without_findings_and_one_with(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["check", str(NEGATIVE), "--format", "terse"]) == 0
    assert capsys.readouterr().out == ""
    assert _run(["check", str(FIX), "--format", "terse"]) == 1
    assert "fixes" in capsys.readouterr().out


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert _run(["check", str(tmp_path / "nope.mbox")]) == 2
    captured = capsys.readouterr()
    _one_error_line(captured.err)
    assert "nope.mbox" in captured.err and captured.out == ""


def test_directory_that_is_not_a_maildir(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("not mail\n")
    assert _run(["check", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    _one_error_line(captured.err)
    assert "Maildir" in captured.err


@pytest.mark.parametrize("fmt", ["text", "json", "terse"])
def test_empty_stdin(
    fmt: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    assert _run(["check", "-", "--format", fmt]) == 2
    captured = capsys.readouterr()
    _one_error_line(captured.err)
    assert "stdin is empty" in captured.err and captured.out == ""


def test_one_broken_message_does_not_stop_the_mailbox(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The stdlib parser's failures on hostile MIME are rare and version-dependent, so
    # the middle message is made to fail the way they do (ValueError from the parser).
    real = reviewbot.mail.parse_message

    def parse(data: bytes, source: str = "") -> reviewbot.mail.Message:
        if b"X-Test-Break: yes" in data:
            raise ValueError("header folding ends inside an encoded word")
        return real(data, source)

    monkeypatch.setattr(reviewbot.mail, "parse_message", parse)
    broken = b"From breaker Thu Jan  1 00:00:00 2026\nX-Test-Break: yes\nSubject: x\n\nbody\n"
    box = tmp_path / "mixed.mbox"
    box.write_bytes(NEGATIVE.read_bytes() + broken + FIX.read_bytes())

    # the others are reviewed, but a batch with an unreadable message exits 2
    assert _run(["check", str(box), "--format", "text"]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    out = captured.out
    assert "xfs: cleanup xfs_vn_getattr" in out and "ceph_evict_inode()" in out
    broken_lines = [ln for ln in out.splitlines() if "message 2" in ln]
    assert len(broken_lines) == 1 and "cannot be parsed" in broken_lines[0]
    assert "2 message(s)" in out

    assert _run(["check", str(box), "--format", "terse"]) == 2
    captured = capsys.readouterr()
    assert captured.out.count("\n") == 1  # the one finding; the skipped message is not one
    assert captured.err.count("\n") == 1 and "message 2" in captured.err
    assert "Traceback" not in captured.err
