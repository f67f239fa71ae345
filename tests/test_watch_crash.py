"""reviewbot watch under SIGKILL and concurrency: nothing lost, nothing done twice.

Each test runs tests/watch_fakes.py (watch.run with stand-in review stages) in a
subprocess and kills it with a real SIGKILL, either at a named point inside the draft
protocol (REVIEWBOT_TEST_CRASH_AT) or from outside at an arbitrary moment.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from reviewbot import watch

HERE = Path(__file__).parent
DRIVER = HERE / "watch_fakes.py"
_spec = importlib.util.spec_from_file_location("watch_fakes", DRIVER)
assert _spec is not None and _spec.loader is not None
fakes: ModuleType = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fakes)

POINTS = ["after-claim", "after-tmp", "after-record", "after-rename"]


def _mbox(tmp_path: Path, n: int = 4) -> Path:
    msgs = [
        fakes.mbox_message(f"m{i}@x", f"[PATCH] fs: change {i}", marker="BUG" if i % 2 == 0 else "")
        for i in range(n)
    ]
    return fakes.write_mbox(tmp_path / "in.mbox", msgs)


def _start(tmp_path: Path, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    full = {**os.environ, **(env or {})}
    full.setdefault("PYTHONPATH", str(HERE.parent))
    return subprocess.Popen(
        [
            sys.executable,
            str(DRIVER),
            str(tmp_path / "in.mbox"),
            str(tmp_path / "d"),
            str(tmp_path / "s"),
        ],
        env=full,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _drive(tmp_path: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    proc = _start(tmp_path, env)
    out, err = proc.communicate(timeout=120)
    assert "Traceback" not in err, err
    return proc.returncode, out


def _assert_finished(tmp_path: Path, expected_drafts: set[str]) -> None:
    new = {p.name for p in (tmp_path / "d" / "new").iterdir()}
    assert new == expected_drafts
    assert list((tmp_path / "d" / "tmp").iterdir()) == []
    conn = sqlite3.connect(tmp_path / "s")
    rows = conn.execute(
        "SELECT status, draft_state, count(*) FROM messages GROUP BY 1, 2"
    ).fetchall()
    conn.close()
    assert ("claimed" not in {r[0] for r in rows}) and ("pending" not in {r[1] for r in rows})
    # And a further run has nothing left to do.
    code, out = _drive(tmp_path)
    assert code == 0 and " 0 reviewed" in out and "0 drafts written" in out


def _bug_drafts(n: int = 4) -> set[str]:
    return {watch.draft_name(f"m{i}@x") for i in range(n) if i % 2 == 0}


@pytest.mark.parametrize("nth", [1, 2])
@pytest.mark.parametrize("point", POINTS)
def test_sigkill_at_each_step_loses_nothing_and_duplicates_nothing(
    tmp_path: Path, point: str, nth: int
) -> None:
    _mbox(tmp_path)
    code, _ = _drive(tmp_path, {"REVIEWBOT_TEST_CRASH_AT": f"{point}@{nth}"})
    assert code == -signal.SIGKILL
    code, out = _drive(tmp_path)
    assert code in (0, 1), out
    _assert_finished(tmp_path, _bug_drafts())


def test_sigkill_while_delivering_a_recovered_draft(tmp_path: Path) -> None:
    _mbox(tmp_path)
    assert _drive(tmp_path, {"REVIEWBOT_TEST_CRASH_AT": "after-record"})[0] == -signal.SIGKILL
    assert _drive(tmp_path, {"REVIEWBOT_TEST_CRASH_AT": "recover-after-tmp"})[0] == -signal.SIGKILL
    _drive(tmp_path)
    _assert_finished(tmp_path, _bug_drafts())


def test_draft_moved_to_cur_by_the_mua_is_not_delivered_again(tmp_path: Path) -> None:
    _mbox(tmp_path)
    assert _drive(tmp_path, {"REVIEWBOT_TEST_CRASH_AT": "after-rename"})[0] == -signal.SIGKILL
    [delivered] = (tmp_path / "d" / "new").iterdir()
    delivered.rename(tmp_path / "d" / "cur" / (delivered.name + ":2,S"))  # as mutt does
    _drive(tmp_path)
    new = {p.name for p in (tmp_path / "d" / "new").iterdir()}
    assert new == _bug_drafts() - {delivered.name}


def test_sigkill_from_outside_at_arbitrary_moments(tmp_path: Path) -> None:
    n = 12
    _mbox(tmp_path, n)
    log = tmp_path / "reviews.log"
    env = {"WATCH_FAKES_LOG": str(log), "WATCH_FAKES_DELAY": "0.02"}
    for wanted in (2, 5, 9):
        proc = _start(tmp_path, env)
        while proc.poll() is None and (not log.exists() or len(log.read_text().split()) < wanted):
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    _drive(tmp_path, env)
    _assert_finished(tmp_path, _bug_drafts(n))


def test_concurrent_runs_never_review_a_message_twice(tmp_path: Path) -> None:
    n = 16
    _mbox(tmp_path, n)
    log = tmp_path / "reviews.log"
    env = {"WATCH_FAKES_LOG": str(log), "WATCH_FAKES_DELAY": "0.02"}
    procs = [_start(tmp_path, env) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_out, err) in zip(procs, outs, strict=True):
        assert p.returncode in (0, 1), err
    counts = [int(out.split(" reviewed")[0].rsplit(" ", 1)[1]) for out, _err in outs]
    assert sum(counts) == n
    reviewed = log.read_text().split()
    assert sorted(reviewed) == sorted(f"m{i}@x" for i in range(n))
    _assert_finished(tmp_path, _bug_drafts(n))


REAL = ["0001", "0002", "0003", "0008", "0012"]  # real kernel mail, see fixtures/patches
DATE = re.compile(rb"^Date: .*\n", re.M)


def _real_watch(source: Path, drafts: Path, crash: str | None = None) -> int:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    env.pop("REVIEWBOT_TEST_CRASH_AT", None)
    if crash:
        env["REVIEWBOT_TEST_CRASH_AT"] = crash
    proc = subprocess.run(
        [sys.executable, "-m", "reviewbot", "watch", str(source), "--drafts", str(drafts),
         "--from", "R <r@example.org>", "--always", "--no-wait"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode


def _drafts_without_date(drafts: Path) -> dict[str, bytes]:
    return {p.name: DATE.sub(b"", p.read_bytes()) for p in (drafts / "new").iterdir()}


@pytest.fixture(scope="module")
def real_mbox_and_clean_drafts(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, bytes]]:
    work = tmp_path_factory.mktemp("real")
    fixtures = [next((HERE.parent / "fixtures" / "patches").glob(f"{n}-*.mbox")) for n in REAL]
    source = work / "in.mbox"
    source.write_bytes(b"".join(p.read_bytes() for p in fixtures))
    assert _real_watch(source, work / "clean") in (0, 1)
    return source, _drafts_without_date(work / "clean")


@pytest.mark.parametrize("point", ["after-tmp", "after-record"])
def test_reviewbot_watch_with_the_real_pipeline_survives_sigkill(
    tmp_path: Path, point: str, real_mbox_and_clean_drafts: tuple[Path, dict[str, bytes]]
) -> None:
    """The real command, real mail and the real review: SIGKILL, rerun, and compare
    with a run that was never killed."""
    source, clean = real_mbox_and_clean_drafts
    assert _real_watch(source, tmp_path / "d", f"{point}@2") == -signal.SIGKILL
    assert _real_watch(source, tmp_path / "d") in (0, 1)
    assert len(clean) >= 2
    # Same drafts, byte for byte except the Date header (the clock moved on).
    assert _drafts_without_date(tmp_path / "d") == clean
    assert list((tmp_path / "d" / "tmp").iterdir()) == []
