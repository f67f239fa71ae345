"""`reviewbot watch` command line: durations, errors as one line, exit codes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reviewbot.cli import main
from reviewbot.commands.watch import _Bar, _crashpoint, parse_duration
from reviewbot.errors import UsageError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90", 90), ("90s", 90), ("15m", 900), ("2h", 7200), ("1h30m", 5400), ("1d", 86400),
     ("1.5h", 5400), (" 2h 5m ", 7500)],
)  # fmt: skip
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "5x", "h", "1h-5m", "-5m"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError, match="bad duration"):
        parse_duration(text)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(args)
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_bad_grace_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _cli(
        ["watch", str(tmp_path), "--drafts", str(tmp_path / "d"), "--grace", "soon",
         "--from", "A <a@example.org>"],
        capsys,
    )  # fmt: skip
    assert code == 2
    assert err.count("\n") == 1 and "bad duration" in err


def test_missing_source_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = _cli(
        ["watch", str(tmp_path / "nope"), "--drafts", str(tmp_path / "d"),
         "--from", "A <a@example.org>"],
        capsys,
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err


def test_damaged_state_is_one_line_exit_2_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in"
    for sub in ("cur", "new", "tmp"):
        (src / sub).mkdir(parents=True)
    state = tmp_path / "state"
    state.write_bytes(b"not sqlite at all" * 64)
    code, _out, err = _cli(
        ["watch", str(src), "--drafts", str(tmp_path / "d"), "--state", str(state),
         "--from", "A <a@example.org>"],
        capsys,
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1
    assert "state" in err and "move the file aside" in err
    assert state.read_bytes() == b"not sqlite at all" * 64


def test_crashpoint_is_inert_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REVIEWBOT_TEST_CRASH_AT", raising=False)
    _crashpoint()("after-tmp")  # returns instead of killing the test process


def test_progress_bar_accepts_updates() -> None:
    bar = _Bar()
    bar(0, 3)
    bar(3, 3)
    bar.close()


def _maildir(root: Path, files: dict[str, bytes]) -> Path:
    for sub in ("cur", "new", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    return root


# Synthetic, written for audit 2 #11: a comment (read, needs no review) and a patch whose
# base64 body does not decode, so mail cannot read it at all.
_COMMENT = (
    b"From: Ann Other <ann@example.org>\nTo: list@example.org\nSubject: fs: a question\n"
    b"Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <q@example.org>\n\nIs it safe?\n"
)
_UNDECODABLE = (
    b"From: Pat Author <pat@example.org>\nTo: list@example.org\n"
    b"Subject: [PATCH] fs: a fix\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
    b"Message-ID: <b64@example.org>\nMIME-Version: 1.0\n"
    b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n"
    b"%%%% ???? ****\n====\n"
)


def test_unreadable_message_fails_the_run_once_even_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """As `check` (exit 2 and a line), then remembered by its bytes: lei renaming the
    file does not bring it back, --retry-errors does."""
    src = _maildir(tmp_path / "in", {"new/1": _COMMENT, "new/2": _UNDECODABLE})
    args = ["watch", str(src), "--drafts", str(tmp_path / "d"), "--no-wait", "--quiet",
            "--from", "A <a@example.org>"]  # fmt: skip
    code, out, err = _cli(args, capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and f"{src}/new/2:" in err and "base64" in err
    assert _cli(args, capsys) == (0, "", "")
    (src / "new" / "2").rename(src / "cur" / "1700000000.9.host:2,S")
    assert _cli(args, capsys) == (0, "", "")
    code, _out, err = _cli([*args, "--retry-errors"], capsys)
    assert code == 2 and "1700000000.9.host:2,S:" in err


def test_a_maildir_holding_only_a_broken_message_is_recorded_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A lei folder whose only message is broken must not fail every run until other
    mail arrives: the first run says so (exit 2), the next ones know it."""
    src = _maildir(tmp_path / "in", {"new/1": _UNDECODABLE})
    args = ["watch", str(src), "--drafts", str(tmp_path / "d"), "--no-wait", "--quiet",
            "--from", "A <a@example.org>"]  # fmt: skip
    code, _out, err = _cli(args, capsys)
    assert code == 2 and err.count("\n") == 1
    assert _cli(args, capsys) == (0, "", "")


def test_unreadable_part_of_an_mbox_is_known_by_its_bytes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mbox = tmp_path / "in.mbox"
    sep = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
    mbox.write_bytes(sep + _COMMENT + b"\n" + sep + _UNDECODABLE)
    args = ["watch", str(mbox), "--drafts", str(tmp_path / "d"), "--no-wait",
            "--from", "A <a@example.org>"]  # fmt: skip
    code, out, err = _cli(args, capsys)
    assert code == 2 and f"{mbox} message 2:" in err and "(1 unreadable)" in out
    mbox.write_bytes(sep + _UNDECODABLE + b"\n" + sep + _COMMENT)  # rewritten, other order
    code, out, err = _cli(args, capsys)
    assert (code, err) == (0, "") and "2 already done" in out


@pytest.mark.parametrize("damage", ["dir", "no-patches"])
def test_state_damage_is_one_line_not_a_bug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    src = _maildir(tmp_path / "in", {"new/1": _COMMENT})
    state = tmp_path / "state"
    if damage == "dir":
        state.mkdir()
    else:
        base = ["watch", str(src), "--drafts", str(tmp_path / "d"), "--state", str(state),
                "--from", "A <a@example.org>"]  # fmt: skip
        assert _cli(base, capsys)[0] == 0
        conn = sqlite3.connect(state)
        conn.execute("DROP TABLE patches")
        conn.close()
    # Nothing new arrives: the damage is still found, on open.
    code, _out, err = _cli(
        ["watch", str(src), "--drafts", str(tmp_path / "d"), "--state", str(state),
         "--from", "A <a@example.org>"],
        capsys,
    )  # fmt: skip
    assert code == 2 and err.count("\n") == 1
    assert "this is a bug" not in err and "internal" not in err
    assert ("is a directory" if damage == "dir" else "'patches' is missing") in err
