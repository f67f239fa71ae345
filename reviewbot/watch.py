"""Incremental review of a mailbox that lei (or anything else) keeps filling.

Each run looks at every message of the source, remembers in the state database what
it decided, reviews only what no run reviewed before, and writes each draft into a
Maildir the way a delivery agent does: file in ``tmp/``, then rename into ``new/``.

Order of one review, chosen so that a kill between any two steps is recoverable
without a duplicate draft (see tests/test_watch_crash.py):

    claim (db)  ->  review  ->  write tmp/NAME  ->  record review + draft bytes (db)
                ->  rename tmp/NAME to new/NAME  ->  mark draft written (db)

NAME is derived from the reviewed message's Message-ID, so a retry produces the same
file. A kill before the record leaves a claim of a dead run, released by the next run
that finds itself alone; a kill after it leaves a pending draft, delivered from the
bytes kept in the database (unless a file of that name already reached ``new/`` or
``cur/``).
"""

from __future__ import annotations

import hashlib
import os
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

from reviewbot.errors import ReviewbotError
from reviewbot.model import Address, CheckOptions, Message, Patch, PatchReport, Series
from reviewbot.state import State, open_state

Reviewer = Callable[[Message], PatchReport]
Identifier = Callable[[Message], Patch]
Grouper = Callable[[Sequence[Message]], tuple[Series, ...]]
Renderer = Callable[[PatchReport, datetime, str, Address], EmailMessage | None]


@dataclass(frozen=True)
class WatchOptions:
    from_: Address
    grace: float = 1800.0  # seconds an incomplete series waits for its missing parts
    no_wait: bool = False
    retry_errors: bool = False


@dataclass(frozen=True)
class Hooks:
    """The stages watch drives; injected so its bookkeeping is testable on its own."""

    identify: Identifier
    group: Grouper
    review: Reviewer
    render: Renderer
    clock: Callable[[], float] = time.time
    # Tests kill the process at named points through this; a no-op otherwise.
    crashpoint: Callable[[str], None] = lambda _point: None
    progress: Callable[[int, int], None] = lambda _done, _total: None


@dataclass(frozen=True)
class Unreadable:
    """A message of the source that mail could not read, so it cannot be reviewed.

    It is an error of the run that first meets it (exit 2, as `check` gives), then
    remembered like a failed review, until --retry-errors. It is known by its bytes:
    its Message-ID may be part of what could not be read."""

    key: str  # unreadable_key() of its bytes
    where: str  # the file (or "mbox message N") it came from
    why: str


def unreadable_key(data: bytes) -> str:
    # Trailing blank lines are the mbox's separator, not the message's: the same message
    # last in a mailbox, or alone in a Maildir file, keeps its key. The space keeps the
    # key apart from every real Message-ID (which cannot hold one).
    return "unreadable " + hashlib.blake2b(data.rstrip(), digest_size=16).hexdigest()


@dataclass(frozen=True)
class WatchSummary:
    seen: int = 0
    reviewed: int = 0
    skipped: int = 0  # not a patch, or the same patch as another message
    known: int = 0  # decided by an earlier run (or a concurrent one)
    waiting: int = 0  # part of an incomplete series still inside its grace period
    drafts: int = 0
    errors: int = 0
    findings: int = 0  # reportable findings in this run's reviews
    unreadable: int = 0  # of the errors: messages first met this run that mail cannot read
    failures: tuple[tuple[str, str], ...] = ()  # (Message-ID, why) of this run's errors
    unreadable_failures: tuple[tuple[str, str], ...] = ()  # (where, why) of those messages

    def line(self) -> str:
        text = (
            f"{self.seen} seen, {self.reviewed} reviewed, {self.skipped} skipped, "
            f"{self.known} already done, {self.waiting} waiting, "
            f"{self.drafts} draft{'s' if self.drafts != 1 else ''} written, "
            f"{self.errors} error{'s' if self.errors != 1 else ''}"
        )
        if self.unreadable:
            text += f" ({self.unreadable} unreadable)"
        return text

    @property
    def exit_code(self) -> int:
        """As for `check`: 2 when something failed, 1 when new findings, else 0."""
        if self.errors:
            return 2
        return 1 if self.findings else 0


def default_hooks(options: CheckOptions) -> Hooks:
    """The real pipeline stages (imported late: they pull in tree-sitter and jinja2)."""
    from reviewbot import diffparse, mail
    from reviewbot.pipeline import check_message
    from reviewbot.render import email as render_email

    def review(msg: Message) -> PatchReport:
        return check_message(msg, options)

    def render(
        report: PatchReport, now: datetime, msgid: str, from_: Address
    ) -> EmailMessage | None:
        return render_email.render_reply(
            report, now=now, msgid=msgid, from_=from_, always=options.always
        )

    return Hooks(
        identify=diffparse.extract_patch,
        group=mail.group_series,
        review=review,
        render=render,
    )


def draft_name(msgid: str) -> str:
    """The Maildir file name of the draft replying to ``msgid`` (stable across runs)."""
    return "reviewbot." + hashlib.blake2b(msgid.encode(), digest_size=12).hexdigest()


def draft_msgid(msgid: str, from_: Address) -> str:
    domain = from_.addr.rpartition("@")[2] or "localhost"
    return f"{draft_name(msgid)}@{domain}"


# ---------------------------------------------------------------------------- Maildir


def _prepare_maildir(root: Path) -> None:
    try:
        for sub in ("tmp", "new", "cur"):
            (root / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReviewbotError(
            f"cannot create drafts Maildir: {exc.strerror}", where=str(root)
        ) from exc


def _delivered(root: Path, name: str) -> bool:
    """True if the draft already reached new/ or cur/ (where a MUA adds ':2,FLAGS')."""
    if (root / "new" / name).exists():
        return True
    try:
        return any(e.name.split(":", 1)[0] == name for e in os.scandir(root / "cur"))
    except OSError:
        return False


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_tmp(root: Path, name: str, data: bytes) -> None:
    path = root / "tmp" / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _deliver(root: Path, name: str) -> bool:
    """Move tmp/NAME into new/; False if a draft of that name was already there (or in
    cur/), e.g. written before the state file was lost."""
    if _delivered(root, name):
        (root / "tmp" / name).unlink(missing_ok=True)
        return False
    try:
        os.rename(root / "tmp" / name, root / "new" / name)
    except FileNotFoundError:
        if _delivered(root, name):  # a concurrent delivery of the same draft won
            return False
        raise
    _fsync_dir(root / "new")
    return True


# ---------------------------------------------------------------------------- run


@dataclass(frozen=True)
class _Ctx:
    options: WatchOptions
    hooks: Hooks
    tally: _Tally


@dataclass
class _Tally:
    reviewed: int = 0
    skipped: int = 0
    known: int = 0
    waiting: int = 0
    drafts: int = 0
    errors: int = 0
    findings: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)

    def fail(self, msgid: str, why: str) -> None:
        self.errors += 1
        self.failures.append((msgid, why))


def _finish_pending(state: State, root: Path, hooks: Hooks, tally: _Tally) -> None:
    """Deliver drafts a killed run recorded but did not move into new/ (call only when
    alone: a live run's pending draft is that run's to deliver)."""
    for pending in state.pending_drafts():
        if not _delivered(root, pending.name):
            _write_tmp(root, pending.name, pending.data)
            hooks.crashpoint("recover-after-tmp")
            if _deliver(root, pending.name):
                tally.drafts += 1
                # The killed run never got to say so: these findings are news to the user.
                tally.findings += pending.findings
        state.draft_written(pending.msgid)


def _record_unreadable(
    items: Sequence[Unreadable], state: State, hooks: Hooks, tally: _Tally
) -> None:
    now = hooks.clock()
    for item in {u.key: u for u in items}.values():
        rec = state.get(item.key)
        if rec is None or rec.status is None:
            state.see(item.key, patch_id="", series_key="", now=now)
            if state.skip(item.key, item.why, now=now, status="error"):
                tally.errors += 1
                tally.unreadable.append((item.where, item.why))
                continue
        tally.known += 1


def _review_one(msg: Message, state: State, root: Path, ctx: _Ctx) -> None:
    options, hooks, tally = ctx.options, ctx.hooks, ctx.tally
    now = hooks.clock()
    claimed, duplicate_of = state.claim(msg.msgid, now=now)
    if duplicate_of is not None:
        tally.skipped += 1
        return
    if not claimed:
        tally.known += 1
        return
    hooks.crashpoint("after-claim")
    data: bytes | None = None
    try:
        report = hooks.review(msg)
        # A report with errors was not a review (the diff or the analysis failed): its
        # lack of findings must not be recorded as a clean pass, as `check` exits 2.
        why = "; ".join(d.message or d.code for d in report.errors)
        if not why:
            when = datetime.fromtimestamp(now, UTC)
            msgid = draft_msgid(msg.msgid, options.from_)
            reply = hooks.render(report, when, msgid, options.from_)
            data = reply.as_bytes() if reply is not None else None
    except Exception as exc:  # a bug on one message must not stop the others
        why = (
            exc.details()
            if isinstance(exc, ReviewbotError)
            else f"internal error: {type(exc).__name__}: {exc}"
        )
    if why:
        state.fail(msg.msgid, why, now=now)
        tally.fail(msg.msgid, why)
        return
    verdicts = tuple(f"{f.rule}:{f.verdict}" for f in report.findings)
    tally.reviewed += 1
    tally.findings += len(report.reportable)
    if data is None:
        state.reviewed(
            msg.msgid, verdicts=verdicts, findings=len(report.reportable), draft=None, now=now
        )
        return
    name = draft_name(msg.msgid)
    _write_tmp(root, name, data)
    hooks.crashpoint("after-tmp")
    state.reviewed(
        msg.msgid,
        verdicts=verdicts,
        findings=len(report.reportable),
        draft=(name, data),
        now=now,
    )
    hooks.crashpoint("after-record")
    delivered = _deliver(root, name)
    hooks.crashpoint("after-rename")
    state.draft_written(msg.msgid)
    tally.drafts += delivered


def _plan(
    messages: Sequence[Message], state: State, options: WatchOptions, hooks: Hooks, tally: _Tally
) -> list[Message]:
    """Record every message as seen; return those to review now, series kept together."""
    now = hooks.clock()
    by_id = {m.msgid: m for m in messages}
    series_of: dict[str, Series] = {}
    for s in hooks.group(messages):
        for part in (s.cover, *s.parts):
            if part is not None:
                series_of.setdefault(part, s)
    first_seen: dict[str, float] = {}
    candidates: list[Message] = []
    for msg in by_id.values():
        rec = state.get(msg.msgid)
        if rec is not None and rec.status is not None:
            tally.known += 1
            continue
        try:
            patch = hooks.identify(msg)
        except Exception as exc:  # one unreadable diff must not stop the others
            why = "cannot read the patch: " + (
                exc.details() if isinstance(exc, ReviewbotError) else repr(exc)
            )
            state.see(msg.msgid, patch_id="", series_key="", now=now)
            if state.skip(msg.msgid, why, now=now, status="error"):
                tally.fail(msg.msgid, why)
            continue
        key = series_of[msg.msgid].key if msg.msgid in series_of else msg.msgid
        first_seen[msg.msgid] = state.see(
            msg.msgid, patch_id=patch.patch_id, series_key=key, now=now
        )
        reason = _not_for_review(msg, patch)
        if reason:
            if state.skip(msg.msgid, reason, now=now):
                tally.skipped += 1
            else:
                tally.known += 1
            continue
        candidates.append(msg)

    ready: list[Message] = []
    for msg in candidates:
        ser = series_of.get(msg.msgid)
        if ser is not None and not ser.complete and not options.no_wait:
            # The clock starts with the earliest part we have of this series.
            started = min(
                (first_seen.get(p) or _first_seen(state, p, now) for p in ser.parts),
                default=now,
            )
            if now - started < options.grace:
                tally.waiting += 1
                continue
        ready.append(msg)

    def order(m: Message) -> tuple[float, str, int]:
        ser = series_of.get(m.msgid)
        key = ser.key if ser is not None else m.msgid
        counter = m.subject.counter if m.subject.counter is not None else 0
        return (first_seen.get(key, first_seen.get(m.msgid, now)), key, counter)

    return sorted(ready, key=order)


def _not_for_review(msg: Message, patch: Patch) -> str:
    """Why a message gets no review ("" if it gets one). Cover letters and comments
    carry no diff; a reviewer's reply quoting the patch is not a new patch (a reply
    that carries a patch of its own, unquoted, is reviewed)."""
    codes = {d.code for d in patch.diagnostics}
    if "no-diff" in codes or (not patch.files and not patch.degraded):
        return "no patch in this message"
    if msg.subject.is_reply and "quoted-patch" in codes:
        return "a reply quoting the patch"
    return ""


def _first_seen(state: State, msgid: str, default: float) -> float:
    rec = state.get(msgid)
    return rec.first_seen if rec is not None else default


def run(
    messages: Sequence[Message],
    drafts: str | os.PathLike[str],
    state_path: str | os.PathLike[str],
    options: WatchOptions,
    hooks: Hooks,
    *,
    unreadable: Sequence[Unreadable] = (),
) -> WatchSummary:
    """Review what is new among ``messages``; write drafts into the Maildir ``drafts``."""
    root = Path(drafts)
    _prepare_maildir(root)
    tally = _Tally()
    run_id = uuid.uuid4().hex
    try:
        with open_state(state_path, run_id) as (state, alone):
            if options.retry_errors:
                state.retry_errors()
            if alone:
                _finish_pending(state, root, hooks, tally)
            _record_unreadable(unreadable, state, hooks, tally)
            todo = _plan(messages, state, options, hooks, tally)
            hooks.progress(0, len(todo))
            for done, msg in enumerate(todo, 1):
                _review_one(msg, state, root, _Ctx(options, hooks, tally))
                hooks.progress(done, len(todo))
    except OSError as exc:
        raise ReviewbotError(
            f"cannot write drafts: {exc.strerror}", where=str(exc.filename or root)
        ) from exc
    return WatchSummary(
        seen=len({m.msgid for m in messages} | {u.key for u in unreadable}),
        reviewed=tally.reviewed,
        skipped=tally.skipped,
        known=tally.known,
        waiting=tally.waiting,
        drafts=tally.drafts,
        errors=tally.errors,
        findings=tally.findings,
        unreadable=len(tally.unreadable),
        failures=tuple(tally.failures),
        unreadable_failures=tuple(tally.unreadable),
    )
