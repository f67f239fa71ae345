"""`reviewbot watch` on a Maildir written by the real lei (lei q, then lei up)."""

from __future__ import annotations

import email
import re
import shlex
import sqlite3
from email import policy
from pathlib import Path

import pytest

from .conftest import REPO, mail_fixture, need, run

pytestmark = pytest.mark.integration

FIRST = ["seed-001-netfs-9p-umount-race.mbox", "neg-01-xfs-cleanup-vn-getattr.mbox"]
LATER = ["seed-004-iomap-write-validity-checks.mbox", "neg-06-nfs-getattr-no-statx-btime.mbox"]


def _summary(out: str) -> dict[str, int]:
    line = next(ln for ln in out.splitlines() if ln.startswith("reviewbot watch:"))
    return {k.strip(): int(n) for n, k in re.findall(r"(\d+) ([a-z ]+?)(?:,|$)", line)}


def _msgids(path: Path) -> set[str]:
    ids = re.findall(rb"^Message-I[Dd]:\s*<([^>]+)>", path.read_bytes(), re.M)
    return {i.decode() for i in ids}


def _reviewed(state: Path) -> set[str]:
    conn = sqlite3.connect(state)
    rows = conn.execute("SELECT msgid FROM messages WHERE status = 'reviewed'").fetchall()
    conn.close()
    return {r[0] for r in rows}


def test_watch_reviews_only_what_lei_up_added(tmp_path: Path, isolated: dict[str, str]) -> None:
    need("lei", "Debian package 'lei', from public-inbox")
    env = isolated
    out = tmp_path / "lei-out"
    drafts, state = tmp_path / "drafts", tmp_path / "state.sqlite"
    watch = [
        "reviewbot", "watch", str(out), "--drafts", str(drafts), "--state", str(state),
        "--from", "Rev Iewer <reviewer@example.org>", "--always", "--no-wait",
    ]  # fmt: skip

    run(["lei", "init", str(tmp_path / "store")], env)
    for name in FIRST:
        run(["lei", "import", "--in-format=mboxrd", str(mail_fixture(name))], env)
    run(["lei", "q", "-o", f"maildir:{out}", "z:1.."], env)

    first = run(watch, env, ok=(0, 1))
    counts = _summary(first.stdout)
    first_ids = set().union(*(_msgids(mail_fixture(n)) for n in FIRST))
    assert counts["seen"] == len(first_ids)
    assert counts["reviewed"] == len(first_ids) and counts["errors"] == 0
    assert _reviewed(state) == first_ids
    assert counts["drafts written"] == len(first_ids)  # --always: one per review

    again = _summary(run(watch, env, ok=(0,)).stdout)
    assert again["reviewed"] == 0 and again["drafts written"] == 0

    for name in LATER:
        run(["lei", "import", "--in-format=mboxrd", str(mail_fixture(name))], env)
    run(["lei", "up", str(out)], env)
    assert any((out / "new").iterdir())  # lei up delivers into new/

    later = _summary(run(watch, env, ok=(0, 1)).stdout)
    new_ids = set().union(*(_msgids(mail_fixture(n)) for n in LATER))
    assert later["reviewed"] == len(new_ids) and later["already done"] == len(first_ids)
    assert _reviewed(state) == first_ids | new_ids

    replied = set()
    for path in (drafts / "new").iterdir():
        draft = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        replied.add(str(draft["In-Reply-To"]).strip("<>"))
    assert replied == first_ids | new_ids
    assert list((drafts / "tmp").iterdir()) == []


def test_lei_up_alert_runs_watch(tmp_path: Path, isolated: dict[str, str]) -> None:
    """The README's `lei up --alert=...` and cron lines: watch runs after lei up."""
    need("lei", "Debian package 'lei', from public-inbox")
    env = isolated
    out, drafts = tmp_path / "lei-out", tmp_path / "drafts"
    run(["lei", "init", str(tmp_path / "store")], env)
    singles = ["neg-02-9p-setattr-dotl-valid-iattrs.mbox", "neg-06-nfs-getattr-no-statx-btime.mbox"]
    run(["lei", "import", "--in-format=mboxrd", str(mail_fixture(singles[0]))], env)
    run(["lei", "q", "-o", f"maildir:{out}", "z:1.."], env)
    run(["lei", "import", "--in-format=mboxrd", str(mail_fixture(singles[1]))], env)
    run(["git", "config", "--global", "user.email", "reviewer@example.org"], env)
    # The README's line, verbatim but for the paths.
    readme = (REPO / "README.md").read_text().split("<!-- section: lei -->", 1)[1]
    [line] = [ln.strip() for ln in readme.splitlines() if ln.strip().startswith("lei up --alert")]
    line = line.replace("/home/me/Mail/lei/9p", str(out)).replace("~/Mail/lei/9p", str(out))
    line = line.replace("/home/me/Mail/drafts", str(drafts))
    assert "/home/me" not in line and "~" not in line
    run(shlex.split(line), env)
    conn = sqlite3.connect(drafts / ".reviewbot-state.sqlite")
    done = {r[0] for r in conn.execute("SELECT msgid FROM messages WHERE status IS NOT NULL")}
    conn.close()
    ids = _msgids(mail_fixture(singles[0])) | _msgids(mail_fixture(singles[1]))
    assert done == ids

    # The README's cron line (its command part), after one more message arrives.
    third = "seed-001-netfs-9p-umount-race.mbox"
    run(["lei", "import", "--in-format=mboxrd", str(mail_fixture(third))], env)
    [cron] = [ln.strip() for ln in readme.splitlines() if ln.strip().startswith("*/15 ")]
    command = cron.split(None, 5)[5].replace("~/Mail/lei/9p", str(out))
    command = command.replace("~/Mail/drafts", str(drafts))
    assert "~" not in command
    run(["sh", "-c", command], env, ok=(0, 1))
    conn = sqlite3.connect(drafts / ".reviewbot-state.sqlite")
    done = {r[0] for r in conn.execute("SELECT msgid FROM messages WHERE status IS NOT NULL")}
    conn.close()
    assert done == ids | _msgids(mail_fixture(third))


def test_incomplete_series_from_lei_waits_then_no_wait_reviews_it(
    tmp_path: Path, isolated: dict[str, str]
) -> None:
    """seed-002 is part 4 of a 7-part RFC series (and a reply): the part waits."""
    need("lei", "Debian package 'lei', from public-inbox")
    env = isolated
    out = tmp_path / "lei-out"
    run(["lei", "init", str(tmp_path / "store")], env)
    fixture = mail_fixture("seed-002-ext2-iomap-seq-counter.mbox")
    run(["lei", "import", "--in-format=mboxrd", str(fixture)], env)
    run(["lei", "q", "-o", f"maildir:{out}", "z:1.."], env)
    state = tmp_path / "state"
    base = ["reviewbot", "watch", str(out), "--drafts", str(tmp_path / "d"), "--state", str(state),
            "--from", "reviewer@example.org"]  # fmt: skip
    part = "009d08646b77e0d774b4ce248675b86564bca9ee.1714046808.git.ritesh.list@gmail.com"
    waiting = _summary(run([*base, "--grace", "1h"], env, ok=(0, 1)).stdout)
    assert waiting["waiting"] == 1 and part not in _reviewed(state)
    now = _summary(run([*base, "--no-wait"], env, ok=(0, 1)).stdout)
    assert now["waiting"] == 0 and part in _reviewed(state)


def test_readme_systemd_units_pass_systemd_analyze(
    tmp_path: Path, isolated: dict[str, str]
) -> None:
    """The timer and service units of the README, as systemd itself reads them."""
    need("systemd-analyze", "from the systemd package")
    env = isolated
    section = (REPO / "README.md").read_text().split("<!-- section: lei -->", 1)[1]
    section = section.split("<!-- section:", 1)[0]
    units = re.findall(r"`~/\.config/systemd/user/([\w.-]+)`:\n\n((?:    .*\n|\n)+)", section)
    assert [name for name, _ in units] == ["reviewbot-watch.service", "reviewbot-watch.timer"]
    paths = []
    for name, body in units:
        path = tmp_path / name
        path.write_text("\n".join(ln[4:] for ln in body.rstrip().splitlines()) + "\n")
        paths.append(str(path))
    proc = run(["systemd-analyze", "verify", "--user", *paths], env)
    assert proc.stderr.strip() == "", proc.stderr  # unknown keys are only warned about
