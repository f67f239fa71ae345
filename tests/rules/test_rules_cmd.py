"""`reviewbot rules list|show|test` through the real CLI entry point."""

from __future__ import annotations

import pytest

from reviewbot import cli


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        cli.main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "rules", "list")
    assert code == 0
    assert "evict-without-waiting-for-io" in out and "evict-vs-async-io" in out


def test_show_prints_every_section(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "rules", "show", "remote-size-overwrites-local-size")
    assert code == 0
    for title in ("What it flags", "Why it matters", "Example", "Fix", "References"):
        assert title in out
    assert "default overwrite" in out


def test_show_unknown_rule_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "rules", "show", "nope")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "no rule 'nope'" in err


def test_test_runs_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "rules", "test", "nonatomic-flags-update")
    assert code == 0 and "all examples pass" in out
