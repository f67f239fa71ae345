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
