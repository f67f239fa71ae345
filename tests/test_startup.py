"""Cold start-up stays lean: `check` with the terse/text/b4 outputs loads neither pydantic
(typer's coercion) nor jinja2 (the draft templates). Timing lives in
benchmarks/bench_startup.py; these tests only pin the imports that cost the most."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reviewbot import cli

ROOT = Path(__file__).resolve().parent.parent
PATCH = ROOT / "fixtures" / "patches" / "0006-seed-004-iomap-write-validity-checks.mbox"

_PROBE = """
import sys
from reviewbot import cli
sys.argv = ["reviewbot", *sys.argv[1:]]
try:
    cli.main()
except SystemExit:
    pass
heavy = sorted(m for m in ("pydantic", "jinja2") if m in sys.modules)
sys.stderr.write("LOADED:" + ",".join(heavy) + "\\n")
"""


def _loaded(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, cwd=ROOT, check=False
    )
    line = [x for x in done.stderr.splitlines() if x.startswith("LOADED:")]
    assert line, done.stderr
    return [m for m in line[-1].removeprefix("LOADED:").split(",") if m]


@pytest.mark.parametrize("fmt", ["terse", "text", "b4"])
def test_check_loads_neither_pydantic_nor_jinja2(fmt: str) -> None:
    assert _loaded("check", "--format", fmt, str(PATCH)) == []


def test_email_format_still_renders_with_jinja2() -> None:
    loaded = _loaded("check", "--format", "email", "--from", "A <a@example.org>", str(PATCH))
    assert loaded == ["jinja2"]


def test_plain_options_reach_the_command_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    def fake_run_check(source: str, **kw: object) -> int:
        seen.update(kw, source=source)
        return 0

    monkeypatch.setattr("reviewbot.commands.check.run_check", fake_run_check)
    with pytest.raises(SystemExit) as exc:
        cli.main(["check", "--format", "terse", "--disable", "a-b", "--disable", "c-d", "x.mbox"])
    assert exc.value.code == 0
    assert seen["source"] == "x.mbox"
    assert seen["fmt"] == "terse"
    assert list(seen["disable"]) == ["a-b", "c-d"]  # type: ignore[call-overload]
    assert seen["tree"] is None
    assert seen["always"] is False
