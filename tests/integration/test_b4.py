"""reviewbot as b4's per-patch check command, with the real b4 run offline.

The git config lines come verbatim from the README's "Use with b4" section, so the
documentation is what is tested. b4's check cache lives in the test's private
XDG_CACHE_HOME (see conftest.py), so earlier runs cannot answer for reviewbot.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from .conftest import REPO, mail_fixture, need, run

pytestmark = pytest.mark.integration

# Patches b4 can apply from a single-message mbox (a "Re:" carrying a patch is not one).
FIXTURES = [
    "seed-001-netfs-9p-umount-race-v3.mbox",
    "seed-003-bcachefs-revert-lockless-buffered-io.mbox",
    "seed-004-iomap-write-validity-checks.mbox",
    "neg-06-nfs-getattr-no-statx-btime.mbox",
]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def readme_git_config_lines() -> list[list[str]]:
    text = (REPO / "README.md").read_text()
    section = text.split("<!-- section: b4 -->", 1)[1].split("<!-- section:", 1)[0]
    lines = [ln.strip() for ln in section.splitlines() if ln.strip().startswith("git config")]
    assert len(lines) == 2, section
    return [shlex.split(ln) for ln in lines]


def first_msgid(path: Path) -> str:
    found = re.search(rb"^Message-I[Dd]:\s*<([^>]+)>", path.read_bytes(), re.M)
    assert found, path
    return found.group(1).decode()


def test_readme_lines_configure_both_b4_hooks(isolated: dict[str, str]) -> None:
    need("git", "needed to hold b4's configuration")
    for args in readme_git_config_lines():
        run(args, isolated)
    got = run(["git", "config", "--global", "--get-regexp", r"^b4\."], isolated).stdout
    assert "b4.am-perpatch-check-cmd reviewbot check --format terse -" in got
    assert "b4.review-perpatch-check-cmd reviewbot check --format b4 -" in got


def _configure(env: dict[str, str]) -> None:
    """The README's lines, plus a second check command that keeps a copy of exactly
    what b4 feeds its check commands (b4 passes its environment on)."""
    for args in readme_git_config_lines():
        run(args, env)
    capture = "sh -c 'cat > \"$RB_CAPTURE\"'"
    run(["git", "config", "--global", "--add", "b4.am-perpatch-check-cmd", capture], env)


def _b4_am_check(fixture: Path, env: dict[str, str], work: Path) -> tuple[str, bytes]:
    """b4's report of the checks (colours removed) and the message it checked."""
    captured = work / (fixture.name + ".fed")
    b4 = run(
        ["b4", "--offline-mode", "am", "-m", str(fixture), "-o", str(work / fixture.name),
         "--check", first_msgid(fixture)],
        {**env, "RB_CAPTURE": str(captured)}, cwd=work,
    )  # fmt: skip
    return ANSI.sub("", b4.stdout + b4.stderr), captured.read_bytes()


def test_b4_am_check_shows_reviewbot_findings(tmp_path: Path, isolated: dict[str, str]) -> None:
    """`b4 am --check` lists reviewbot's terse lines under each patch. On the same
    message, `--format b4` prints the JSON that b4 review's check runner parses, a
    list of {tool, status: pass|warn|fail, summary, url, details}. b4 runs
    review-perpatch-check-cmd only inside its TUI, so that shape is checked here."""
    need("git", "needed to hold b4's configuration")
    need("b4", "installed from PyPI by the test extras: pip install -e '.[test]'")
    env = isolated
    _configure(env)
    with_findings = 0
    for name in FIXTURES:
        shown, fed = _b4_am_check(mail_fixture(name), env, tmp_path)
        terse = run(["reviewbot", "check", "--format", "terse", "-"], env, stdin=fed, ok=(0, 1))
        lines = [ln for ln in terse.stdout.splitlines() if ln.strip()]
        if terse.returncode == 1:
            with_findings += 1
            assert lines, f"{name}: exit 1 but no terse lines"
        for line in lines:
            assert f"reviewbot: {line.removeprefix('-:')}" in shown, (name, line, shown)
        if not lines:
            assert "reviewbot: passed all checks" in shown, (name, shown)
        assert "Exited with error code" not in shown, (name, shown)

        review = run(["reviewbot", "check", "--format", "b4", "-"], env, stdin=fed, ok=(0, 1))
        assert review.returncode == terse.returncode, name
        data = json.loads(review.stdout)
        assert isinstance(data, list) and data, name
        for entry in data:
            assert set(entry) >= {"tool", "status", "summary"}, name
            assert entry["status"] in ("pass", "warn", "fail"), name
            assert all(isinstance(entry.get(k, ""), str) for k in ("summary", "url", "details"))
            if entry.get("details"):  # b4's TUI lists details given as a JSON list
                assert 0 < len(json.loads(entry["details"])) <= len(lines), name
    assert with_findings, "no fixture produced a finding through b4"
