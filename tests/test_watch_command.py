"""`reviewbot watch` command line: durations, errors as one line, exit codes."""

from __future__ import annotations

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
