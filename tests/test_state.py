"""reviewbot.state: schema, atomic claims, dead-run recovery, damage detection."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reviewbot.errors import StateError
from reviewbot.state import SCHEMA_VERSION, open_state


def test_fresh_state_has_schema_version_and_wal(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    with open_state(db, "run1") as (state, alone):
        assert alone
        assert state.counts() == {}
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()
    assert not list(tmp_path.glob(".s.sqlite.new-*"))  # creation leaves no temporary


def test_see_keeps_first_seen(tmp_path: Path) -> None:
    with open_state(tmp_path / "s", "r") as (state, _):
        assert state.see("a@x", patch_id="p", series_key="a@x", now=10.0) == 10.0
        assert state.see("a@x", patch_id="p", series_key="a@x", now=99.0) == 10.0
        rec = state.get("a@x")
        assert rec is not None and rec.status is None and rec.first_seen == 10.0


def test_claim_is_exclusive_between_two_connections(tmp_path: Path) -> None:
    db = tmp_path / "s"
    with open_state(db, "A") as (a, _), open_state(db, "B") as (b, alone_b):
        assert not alone_b  # A holds the lock
        a.see("m@x", patch_id="", series_key="", now=1.0)
        assert a.claim("m@x", now=1.0) == (True, None)
        assert b.claim("m@x", now=1.0) == (False, None)
        assert a.claim("m@x", now=1.0) == (False, None)  # not twice by the same run either


def test_same_patch_id_is_claimed_once(tmp_path: Path) -> None:
    with open_state(tmp_path / "s", "A") as (st, _):
        st.see("one@x", patch_id="P", series_key="", now=1.0)
        st.see("two@x", patch_id="P", series_key="", now=1.0)
        assert st.claim("one@x", now=1.0) == (True, None)
        assert st.claim("two@x", now=1.0) == (False, "one@x")
        rec = st.get("two@x")
        assert rec is not None and rec.status == "skipped" and rec.duplicate_of == "one@x"


def test_review_record_and_draft_lifecycle(tmp_path: Path) -> None:
    with open_state(tmp_path / "s", "A") as (st, _):
        st.see("m@x", patch_id="P", series_key="", now=1.0)
        st.claim("m@x", now=1.0)
        st.reviewed("m@x", verdicts=("r:introduces",), findings=1, draft=("n", b"d"), now=2.0)
        [pending] = st.pending_drafts()
        assert (pending.msgid, pending.name, pending.data) == ("m@x", "n", b"d")
        st.draft_written("m@x")
        assert st.pending_drafts() == ()
        rec = st.get("m@x")
        assert rec is not None
        assert (rec.status, rec.verdicts, rec.findings, rec.draft_state) == (
            "reviewed",
            ("r:introduces",),
            1,
            "written",
        )


def test_claims_of_a_dead_run_are_released_by_the_next_lone_run(tmp_path: Path) -> None:
    db = tmp_path / "s"
    with open_state(db, "dead") as (st, _):
        st.see("m@x", patch_id="", series_key="", now=1.0)
        st.claim("m@x", now=1.0)
    with open_state(db, "next") as (st, alone):
        assert alone
        rec = st.get("m@x")
        assert rec is not None and rec.status is None
        assert st.claim("m@x", now=2.0) == (True, None)


def test_claims_are_kept_while_another_run_is_alive(tmp_path: Path) -> None:
    db = tmp_path / "s"
    with open_state(db, "dead") as (st, _):
        st.see("m@x", patch_id="", series_key="", now=1.0)
        st.claim("m@x", now=1.0)
    # Another live process holds the lock (shared), as a running watch does.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import fcntl, os, sys
                fd = os.open({str(db) + ".lock"!r}, os.O_RDWR)
                fcntl.flock(fd, fcntl.LOCK_SH)
                print("locked", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        with open_state(db, "other") as (st, alone):
            assert not alone
            rec = st.get("m@x")
            assert rec is not None and rec.status == "claimed" and rec.run == "dead"
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait()


def _damage_hint(exc: pytest.ExceptionInfo[StateError]) -> str:
    text = exc.value.details()
    assert "\n" not in text
    return text


def test_garbage_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s"
    db.write_bytes(b"this is not a database\n" * 100)
    with pytest.raises(StateError) as exc, open_state(db, "r"):
        pass
    assert "move the file aside" in _damage_hint(exc)
    assert db.read_bytes().startswith(b"this is not")  # never overwritten


def test_empty_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s"
    db.touch()
    with pytest.raises(StateError, match="empty file"), open_state(db, "r"):
        pass


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StateError, match="not a reviewbot state"), open_state(db, "r"):
        pass


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s"
    with open_state(db, "r"):
        pass
    conn = sqlite3.connect(db)
    conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StateError, match="has schema") as exc, open_state(db, "r"):
        pass
    assert "upgrade reviewbot" in _damage_hint(exc)


def test_corrupted_pages_are_refused(tmp_path: Path) -> None:
    db = tmp_path / "s"
    with open_state(db, "r") as (st, _):
        for i in range(40):  # long ids: several pages of data in few transactions
            st.see(f"m{i}@x" + "m" * 400, patch_id=f"p{i}" + "p" * 400, series_key="", now=1.0)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    data = bytearray(db.read_bytes())
    assert len(data) > 8192
    # Scribble over everything after the first page (the header stays valid).
    data[4096:] = b"\xa5" * (len(data) - 4096)
    db.write_bytes(bytes(data))
    with pytest.raises(StateError, match="damaged"), open_state(db, "r"):
        pass


def test_truncated_file_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "s"
    with open_state(db, "r") as (st, _):
        for i in range(40):  # long ids: several pages of data in few transactions
            st.see(f"m{i}@x" + "m" * 400, patch_id=f"p{i}" + "p" * 400, series_key="", now=1.0)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    size = db.stat().st_size
    os.truncate(db, size // 3)
    with pytest.raises(StateError), open_state(db, "r"):
        pass


def test_lock_file_is_released_on_exit(tmp_path: Path) -> None:
    db = tmp_path / "s"
    with open_state(db, "r"):
        pass
    fd = os.open(f"{db}.lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # would raise if still held
    finally:
        os.close(fd)


_CLAIMER = """
import sys
import time
from reviewbot.state import open_state
db, run, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
order = range(n) if run.endswith("0") else reversed(range(n))  # meet in the middle
won = []
with open_state(db, run) as (st, _):
    print("ready", flush=True)
    sys.stdin.readline()  # start together
    for i in order:
        st.see(f"m{i}@x", patch_id=f"p{i % (n // 2)}", series_key="", now=1.0)
        claimed, _dup = st.claim(f"m{i}@x", now=1.0)
        if claimed:
            won.append(f"m{i}@x")
        time.sleep(0.003)  # a review happens here; SQLite's busy wait is not fair
print(" ".join(won))
"""


def test_racing_processes_split_the_claims_without_overlap(tmp_path: Path) -> None:
    """Two processes claim the same 120 messages (60 patch-ids, two copies each) at the
    same moment: every patch is claimed exactly once overall."""
    db = tmp_path / "s"
    with open_state(db, "init"):
        pass
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _CLAIMER, str(db), f"run{k}", "120"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(2)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline() == "ready\n"
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    won = [set(p.communicate(timeout=120)[0].split()) for p in procs]
    assert won[0] and won[1]  # both got some: the runs really raced
    assert not (won[0] & won[1])
    patch_of = {f"m{i}@x": i % 60 for i in range(120)}
    claimed_patches = sorted(patch_of[m] for m in won[0] | won[1])
    assert claimed_patches == list(range(60))


def _made_state(db: Path) -> None:
    """A state with a reviewed message, a written draft, and a claim of a dead run."""
    with open_state(db, "old") as (st, _):
        for m in ("a@x", "b@x", "c@x"):
            st.see(m, patch_id=f"p-{m}", series_key=m, now=1.0)
            st.claim(m, now=1.0)
        st.reviewed("a@x", verdicts=("r:fixes",), findings=1, draft=("n", b"draft"), now=2.0)
        st.draft_written("a@x")
        st.reviewed("b@x", verdicts=(), findings=0, draft=None, now=2.0)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def _rows(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT * FROM messages ORDER BY msgid").fetchall()
    finally:
        conn.close()


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("DROP TABLE patches", "table 'patches' is missing"),
        (
            "DROP TABLE patches; CREATE TABLE patches (patch_id TEXT, msgid TEXT)",
            "table 'patches' lacks or changed",
        ),
        ("ALTER TABLE messages DROP COLUMN duplicate_of", "lacks or changed duplicate_of"),
        ("UPDATE messages SET verdicts = '{{{' WHERE msgid = 'b@x'", "verdicts are not"),
        ("UPDATE messages SET verdicts = '[1]' WHERE msgid = 'b@x'", "verdicts are not"),
        (
            "UPDATE messages SET draft_state = 'pending' WHERE msgid = 'a@x'",
            "pending draft of <a@x> has no name or no bytes",
        ),
    ],
    ids=["no-patches", "patches-without-key", "lost-column", "bad-json", "not-strings",
         "pending-without-bytes"],
)  # fmt: skip
def test_damage_sqlite_accepts_is_refused_on_open_and_changes_nothing(
    tmp_path: Path, damage: str, words: str
) -> None:
    """Schema and rows are checked before the run releases dead claims: a damaged state
    is a StateError and the rows (including the dead run's claim) stay as they were."""
    db = tmp_path / "s"
    _made_state(db)
    conn = sqlite3.connect(db)
    conn.executescript(damage)
    conn.close()
    before = _rows(db)
    with pytest.raises(StateError, match="damaged") as exc, open_state(db, "new"):
        pass
    assert words in str(exc.value)
    assert "move the file aside" in exc.value.details()
    assert _rows(db) == before
    assert any(r[4] == "claimed" for r in before)


def test_a_directory_is_refused_and_gets_no_lock_file_beside_it(tmp_path: Path) -> None:
    d = tmp_path / "dir"
    d.mkdir()
    with pytest.raises(StateError, match="is a directory"), open_state(d, "r"):
        pass
    assert not (tmp_path / "dir.lock").exists()


def test_a_damaged_row_read_mid_run_is_a_state_error(tmp_path: Path) -> None:
    db = tmp_path / "s"
    with open_state(db, "r") as (st, _):
        st.see("a@x", patch_id="p", series_key="", now=1.0)
        other = sqlite3.connect(db)
        other.execute("UPDATE messages SET verdicts = 'nope'")
        other.commit()
        other.close()
        with pytest.raises(StateError, match="verdicts are not"):
            st.get("a@x")
