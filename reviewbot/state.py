"""The watcher's memory: one SQLite file recording what each run did with each message.

Rows move through ``claimed -> reviewed`` (or ``skipped`` / ``error``); a draft moves
through ``pending -> written``. A claim belongs to a run; claims of dead runs are
handed back only while this process holds the state's lock file exclusively, which
proves that no other run is alive (``flock`` locks vanish with their process, even on
SIGKILL). Everything is a short transaction, so a kill at any point leaves the file
consistent and the next run finishes what the dead one started.

Damage is never papered over: a file that is not a reviewbot state database, or fails
SQLite's integrity check, raises ``StateError``: starting afresh would silently review
every message of the mailbox again.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from reviewbot.errors import StateError

SCHEMA_VERSION = 1
Status = Literal["claimed", "reviewed", "skipped", "error"]
DraftState = Literal["none", "pending", "written"]

_SCHEMA = """
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE messages (
    msgid       TEXT PRIMARY KEY,
    patch_id    TEXT NOT NULL DEFAULT '',
    series_key  TEXT NOT NULL DEFAULT '',
    first_seen  REAL NOT NULL,
    status      TEXT CHECK (status IN ('claimed', 'reviewed', 'skipped', 'error')),
    run         TEXT,
    claimed_at  REAL,
    done_at     REAL,
    reason      TEXT NOT NULL DEFAULT '',
    duplicate_of TEXT,
    verdicts    TEXT NOT NULL DEFAULT '[]',
    findings    INTEGER NOT NULL DEFAULT 0,
    draft_name  TEXT,
    draft_state TEXT NOT NULL DEFAULT 'none'
                CHECK (draft_state IN ('none', 'pending', 'written')),
    draft       BLOB
);
-- The first message to claim a patch-id owns it; copies become its duplicates.
CREATE TABLE patches (patch_id TEXT PRIMARY KEY, msgid TEXT NOT NULL);
"""
_HINT_DAMAGED = (
    "move the file aside and rerun to start afresh: every message in SOURCE is then "
    "reviewed again, but drafts already in the drafts Maildir are not written twice"
)


@dataclass(frozen=True)
class Record:
    """What the state says about one message."""

    msgid: str
    patch_id: str
    series_key: str
    first_seen: float
    status: Status | None  # None: seen but not yet claimed (e.g. waiting for its series)
    run: str | None
    claimed_at: float | None
    reason: str
    duplicate_of: str | None
    verdicts: tuple[str, ...]
    findings: int
    draft_name: str | None
    draft_state: DraftState


def _damaged(what: str, path: Path) -> StateError:
    return StateError(f"state database is damaged: {what}", where=str(path), hint=_HINT_DAMAGED)


def _runtime_error(exc: sqlite3.DatabaseError, path: Path) -> StateError:
    # A lost table or column, or a malformed file, is damage; a full disk or a lock
    # held too long is not, and moving the file aside would be the wrong advice.
    transient = isinstance(exc, sqlite3.OperationalError) and "no such" not in str(exc)
    hint = "" if transient else _HINT_DAMAGED
    return StateError(f"state database error: {exc}", where=str(path), hint=hint)


def _verdicts(text: object, path: Path) -> tuple[str, ...]:
    """The verdicts column: a JSON list of strings (only this module writes it)."""
    try:
        value = json.loads(text) if isinstance(text, str | bytes) else None
    except ValueError:
        value = None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _damaged(f"verdicts are not a JSON list of strings: {str(text)[:40]!r}", path)
    return tuple(value)


@dataclass(frozen=True)
class PendingDraft:
    msgid: str
    name: str
    data: bytes
    findings: int


class State:
    """An open state database. Use :func:`open_state` (a context manager)."""

    def __init__(self, conn: sqlite3.Connection, path: Path, run: str) -> None:
        self._conn = conn
        self.path = path
        self.run = run

    # ------------------------------------------------------------------ helpers

    @contextmanager
    def _txn(self) -> Iterator[sqlite3.Connection]:
        # IMMEDIATE takes the write lock up front: a claim is read-check-write and two
        # runs must not both pass the check.
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StateError(
                f"state database is busy: {exc}", where=str(self.path), hint="retry later"
            ) from exc
        try:
            yield self._conn
        except BaseException as exc:
            self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.DatabaseError):
                raise _runtime_error(exc, self.path) from exc
            raise
        else:
            self._conn.execute("COMMIT")

    def _execute(self, sql: str, args: tuple[object, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._conn.execute(sql, args)
        except sqlite3.DatabaseError as exc:
            raise _runtime_error(exc, self.path) from exc

    # ------------------------------------------------------------------ queries

    def get(self, msgid: str) -> Record | None:
        row = self._execute(
            "SELECT msgid, patch_id, series_key, first_seen, status, run, claimed_at, reason,"
            " duplicate_of, verdicts, findings, draft_name, draft_state"
            " FROM messages WHERE msgid = ?",
            (msgid,),
        ).fetchone()
        if row is None:
            return None
        return Record(
            msgid=row[0],
            patch_id=row[1],
            series_key=row[2],
            first_seen=row[3],
            status=row[4],
            run=row[5],
            claimed_at=row[6],
            reason=row[7],
            duplicate_of=row[8],
            verdicts=_verdicts(row[9], self.path),
            findings=row[10],
            draft_name=row[11],
            draft_state=row[12],
        )

    def counts(self) -> dict[str, int]:
        rows = self._execute(
            "SELECT coalesce(status, 'waiting'), count(*) FROM messages GROUP BY 1"
        ).fetchall()
        return {str(k): int(v) for k, v in rows}

    def pending_drafts(self) -> tuple[PendingDraft, ...]:
        rows = self._execute(
            "SELECT msgid, draft_name, draft, findings FROM messages"
            " WHERE draft_state = 'pending' ORDER BY msgid"
        ).fetchall()
        for r in rows:
            if r[1] is None or r[2] is None:
                raise _damaged(
                    f"pending draft of <{r[0]}> has no {'name' if r[1] is None else 'bytes'}",
                    self.path,
                )
        return tuple(PendingDraft(r[0], r[1], bytes(r[2]), r[3]) for r in rows)

    # ------------------------------------------------------------------ updates

    def see(self, msgid: str, *, patch_id: str, series_key: str, now: float) -> float:
        """Note that a message exists; returns when it was first seen."""
        with self._txn() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO messages (msgid, patch_id, series_key, first_seen)"
                " VALUES (?, ?, ?, ?)",
                (msgid, patch_id, series_key, now),
            )
            row = conn.execute(
                "SELECT first_seen FROM messages WHERE msgid = ?", (msgid,)
            ).fetchone()
        return float(row[0])

    def claim(self, msgid: str, *, now: float) -> tuple[bool, str | None]:
        """Atomically take a message for this run.

        Returns (claimed, duplicate_of). Not claimed when the message already has a
        status (another run has it, or it is done). When another message with the same
        patch-id was claimed first, this one is marked skipped as its duplicate.
        """
        with self._txn() as conn:
            row = conn.execute(
                "SELECT status, patch_id FROM messages WHERE msgid = ?", (msgid,)
            ).fetchone()
            if row is None:
                raise StateError(f"message <{msgid}> was claimed before being seen")
            if row[0] is not None:
                return False, None
            patch_id = row[1]
            owner: str | None = None
            if patch_id:
                conn.execute(
                    "INSERT OR IGNORE INTO patches (patch_id, msgid) VALUES (?, ?)",
                    (patch_id, msgid),
                )
                owner = conn.execute(
                    "SELECT msgid FROM patches WHERE patch_id = ?", (patch_id,)
                ).fetchone()[0]
            if owner is not None and owner != msgid:
                conn.execute(
                    "UPDATE messages SET status = 'skipped', run = ?, done_at = ?,"
                    " reason = 'same patch as another message', duplicate_of = ?"
                    " WHERE msgid = ?",
                    (self.run, now, owner, msgid),
                )
                return False, owner
            conn.execute(
                "UPDATE messages SET status = 'claimed', run = ?, claimed_at = ? WHERE msgid = ?",
                (self.run, now, msgid),
            )
        return True, None

    def skip(self, msgid: str, reason: str, *, now: float, status: Status = "skipped") -> bool:
        """Record a message that needs no review (or cannot be read, with status
        "error"); False if another run decided first."""
        with self._txn() as conn:
            cur = conn.execute(
                "UPDATE messages SET status = ?, run = ?, done_at = ?, reason = ?"
                " WHERE msgid = ? AND status IS NULL",
                (status, self.run, now, reason, msgid),
            )
        return cur.rowcount == 1

    def fail(self, msgid: str, reason: str, *, now: float) -> None:
        with self._txn() as conn:
            conn.execute(
                "UPDATE messages SET status = 'error', done_at = ?, reason = ?"
                " WHERE msgid = ? AND run = ?",
                (now, reason, msgid, self.run),
            )

    def reviewed(
        self,
        msgid: str,
        *,
        verdicts: tuple[str, ...],
        findings: int,
        draft: tuple[str, bytes] | None,
        now: float,
    ) -> None:
        """Record a review and (if any) its draft as pending, in one transaction."""
        name, data = draft if draft is not None else (None, None)
        with self._txn() as conn:
            cur = conn.execute(
                "UPDATE messages SET status = 'reviewed', done_at = ?, verdicts = ?,"
                " findings = ?, draft_name = ?, draft = ?, draft_state = ?"
                " WHERE msgid = ? AND run = ? AND status = 'claimed'",
                (
                    now,
                    json.dumps(list(verdicts)),
                    findings,
                    name,
                    data,
                    "pending" if draft is not None else "none",
                    msgid,
                    self.run,
                ),
            )
            if cur.rowcount != 1:
                raise StateError(f"lost the claim on <{msgid}>", where=str(self.path))

    def draft_written(self, msgid: str) -> None:
        with self._txn() as conn:
            conn.execute(
                "UPDATE messages SET draft_state = 'written', draft = NULL"
                " WHERE msgid = ? AND draft_state = 'pending'",
                (msgid,),
            )

    def release_dead_claims(self) -> int:
        """Hand claims of dead runs back (only call while holding the lock exclusively)."""
        with self._txn() as conn:
            cur = conn.execute(
                "UPDATE messages SET status = NULL, run = NULL, claimed_at = NULL"
                " WHERE status = 'claimed' AND run != ?",
                (self.run,),
            )
        return cur.rowcount

    def retry_errors(self) -> int:
        with self._txn() as conn:
            cur = conn.execute(
                "UPDATE messages SET status = NULL, run = NULL, reason = '' WHERE status = 'error'"
            )
        return cur.rowcount


# ---------------------------------------------------------------------------- opening


def _create(path: Path) -> None:
    """Create a fresh database next to ``path`` and link it into place, so that a kill
    during creation never leaves a half-made file that would later look damaged."""
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    conn = sqlite3.connect(tmp, isolation_level=None)
    try:
        conn.executescript(_SCHEMA)
        conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
    finally:
        conn.close()
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass  # another run created it first; use theirs
    finally:
        tmp.unlink(missing_ok=True)


def _connect(path: Path) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves.
    try:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    except sqlite3.DatabaseError as exc:
        raise StateError(f"cannot open state database ({exc})", where=str(path)) from exc
    try:
        conn.execute("PRAGMA busy_timeout = 30000")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StateError(
            f"not a usable state database ({exc})", where=str(path), hint=_HINT_DAMAGED
        ) from exc
    return conn


def _columns(conn: sqlite3.Connection, table: str) -> set[tuple[str, str, int, int]]:
    """(name, type, not null, primary-key position) of each column of ``table``."""
    rows = conn.execute(f"PRAGMA table_info({table})").fetchall()
    return {(r[1], str(r[2]).upper(), int(r[3]), int(r[5])) for r in rows}


def _expected_columns() -> dict[str, set[tuple[str, str, int, int]]]:
    ref = sqlite3.connect(":memory:")
    try:
        ref.executescript(_SCHEMA)
        names = [r[0] for r in ref.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {name: _columns(ref, name) for name in names}
    finally:
        ref.close()


def _check_schema(conn: sqlite3.Connection, tables: set[str], path: Path) -> None:
    """Every table and column the code relies on, as created: a dropped or rebuilt
    table would otherwise pass while nothing new arrives and fail mid-run later."""
    for table, want in _expected_columns().items():
        if table not in tables:
            raise _damaged(f"table {table!r} is missing", path)
        missing = sorted(c[0] for c in want - _columns(conn, table))
        if missing:
            raise _damaged(f"table {table!r} lacks or changed {', '.join(missing)}", path)


def _check_rows(conn: sqlite3.Connection, path: Path) -> None:
    """Values a run reads back must be readable: checked before the run changes anything
    (releasing dead claims), so a damaged row never gets a half-done run on top."""
    for (text,) in conn.execute("SELECT DISTINCT verdicts FROM messages"):
        _verdicts(text, path)
    row = conn.execute(
        "SELECT msgid FROM messages WHERE draft_state = 'pending'"
        " AND (draft IS NULL OR draft_name IS NULL) LIMIT 1"
    ).fetchone()
    if row is not None:
        raise _damaged(f"pending draft of <{row[0]}> has no name or no bytes", path)


def _check(conn: sqlite3.Connection, path: Path) -> None:
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "schema_version" not in tables or "messages" not in tables:
            raise StateError("not a reviewbot state database", where=str(path), hint=_HINT_DAMAGED)
        row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
        if row is None or row[0] is None:
            raise StateError(
                "state database has no schema version", where=str(path), hint=_HINT_DAMAGED
            )
        if row[0] > SCHEMA_VERSION:
            raise StateError(
                f"state database has schema {row[0]}, this reviewbot knows {SCHEMA_VERSION}",
                where=str(path),
                hint="upgrade reviewbot",
            )
        _check_schema(conn, tables, path)
        check = conn.execute("PRAGMA quick_check").fetchall()
        if check != [("ok",)]:
            raise StateError(
                f"state database is damaged: {check[0][0]}", where=str(path), hint=_HINT_DAMAGED
            )
        _check_rows(conn, path)
    except sqlite3.DatabaseError as exc:
        raise StateError(
            f"state database is damaged ({exc})", where=str(path), hint=_HINT_DAMAGED
        ) from exc


@contextmanager
def open_state(path: str | os.PathLike[str], run: str) -> Iterator[tuple[State, bool]]:
    """Open (creating if absent) the state at ``path`` for run id ``run``.

    Yields (state, alone): ``alone`` is True when no other run held the state when this
    one started, in which case claims left behind by killed runs have been released.
    The lock file ``<path>.lock`` is held (shared) for the whole run.
    """
    p = Path(path)
    if p.is_dir():  # checked before the lock file is made next to it
        raise StateError(
            "is a directory, not a state database",
            where=str(p),
            hint="give --state the path of a file; it is created if absent",
        )
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        lockfd = os.open(f"{p}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StateError(f"cannot open state: {exc.strerror}", where=str(p)) from exc
    conn: sqlite3.Connection | None = None
    try:
        try:
            fcntl.flock(lockfd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            alone = True
        except BlockingIOError:
            # Someone else is running: wait until it has finished opening.
            fcntl.flock(lockfd, fcntl.LOCK_SH)
            alone = False
        try:
            if not p.exists():
                _create(p)
            elif p.stat().st_size == 0:
                raise StateError(
                    "state database is an empty file", where=str(p), hint=_HINT_DAMAGED
                )
        except OSError as exc:
            raise StateError(f"cannot create state: {exc}", where=str(p)) from exc
        conn = _connect(p)
        _check(conn, p)
        state = State(conn, p, run)
        if alone:
            state.release_dead_claims()
            # Other runs may join now; each one's liveness is its shared lock.
            fcntl.flock(lockfd, fcntl.LOCK_SH)
        yield state, alone
    finally:
        if conn is not None:
            conn.close()
        os.close(lockfd)
