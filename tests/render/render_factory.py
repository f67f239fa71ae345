"""Hand-made PatchReports for renderer tests (synthetic: an invented filesystem
"exfs" written for these tests, not kernel code). Real pipeline output is covered by
the golden tests over fixtures/patches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from reviewbot.model import (
    Address,
    DiffLine,
    Fact,
    FileChange,
    Finding,
    Hunk,
    Message,
    Patch,
    PatchReport,
    PropertyResult,
    SimResult,
    SimStats,
    Subject,
    TraceStep,
)

NOW = datetime(2026, 2, 18, 17, 0, 0, tzinfo=UTC)
ME = Address("Rita Reviewer", "rita@example.org")

_HUNK = [
    ("context", "\tstruct exfs_inode *ei = EXFS_I(inode);", 401),
    ("context", "\tstruct exfs_session *ses = ei->session;", 402),
    ("context", "", 403),
    ("context", "\tif (ses->cache_mode == EXFS_CACHE_LOOSE)", 404),
    ("context", "\t\texfs_fscache_release(ei);", 405),
    ("context", "", 406),
    ("added", "\texfs_wait_for_requests(ei);", 407),
    ("context", "\ttruncate_inode_pages_final(&inode->i_data);", 408),
    ("context", "\tclear_inode(inode);", 409),
    ("context", "\texfs_put_handle(ei->handle);", 410),
]


def diff_lines() -> tuple[DiffLine, ...]:
    out = []
    old = 401
    for kind, text, new in _HUNK:
        mark = {"context": " ", "added": "+", "removed": "-"}[kind]
        out.append(
            DiffLine(
                kind,  # type: ignore[arg-type]
                text,
                old_lineno=None if kind == "added" else old,
                new_lineno=new,
                posted=mark + text,
            )
        )
        if kind != "added":
            old += 1
    return tuple(out)


def message(**kw: object) -> Message:
    base = Message(
        msgid="20260218101500.4242-1-ann@example.net",
        subject=Subject(
            raw="[PATCH v2] exfs: wait for outstanding requests before evicting an inode",
            title="exfs: wait for outstanding requests before evicting an inode",
            prefixes=("PATCH", "v2"),
            version=2,
        ),
        from_=Address("Ann Author", "ann@example.net"),
        to=(Address("Mo Maintainer", "mo@example.com"),),
        cc=(
            Address("", "exfs-devel@lists.example.org"),
            Address("Ann Author", "ANN@example.net"),
            Address("Rita Reviewer", "Rita@Example.org"),
        ),
        date="Wed, 18 Feb 2026 10:15:00 +0000",
        references=("cover-0000@example.net",),
        body="",
        source="synthetic",
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def patch(msg: Message | None = None, **kw: object) -> Patch:
    hunk = Hunk(401, 9, 401, 10, "void exfs_evict_inode(struct inode *inode)", diff_lines())
    fc = FileChange("fs/exfs/inode.c", "fs/exfs/inode.c", "modified", (hunk,))
    base = Patch(
        message=msg or message(),
        files=(fc,),
        commit_message=(
            "exfs: wait for outstanding requests before evicting an inode\n\n"
            "An asynchronous read may still hold the inode's handle when the\n"
            "inode is evicted. Wait for such requests first.\n"
        ),
    )
    return replace(base, **kw)  # type: ignore[arg-type]


TRACE = (
    TraceStep("evict", "exfs_evict_inode()"),
    TraceStep("completion", "read completes, takes handle", (("io_count", "1"),)),
    TraceStep("evict", "clear_inode()"),
    TraceStep("evict", "exfs_put_handle()", (("handle.alive", "0"),)),
    TraceStep("completion", "exfs_handle_done(handle)", note="<-- handle already freed"),
)


def sim(
    violated: bool,
    *,
    knobs: tuple[tuple[str, str], ...],
    states: int = 42,
    undecided: bool = False,
) -> SimResult:
    prop = PropertyResult(
        property="no-io-after-free",
        kind="assert",
        description="no I/O completion touches a freed inode or handle",
        verdict="inconclusive" if undecided else "violated" if violated else "holds",
        trace=TRACE if violated else (),
        replay="k=wait_for_io:no;s=0.1.0.0.1" if violated else "",
    )
    return SimResult(
        scenario="evict-vs-async-io",
        knobs=knobs,
        threads=("CPU0 (evict)", "CPU1 (completion)"),
        properties=(prop,),
        stats=SimStats(states, states * 2, 7, 0.01, not undecided),
    )


def finding(verdict: str = "fixes", **kw: object) -> Finding:
    before_bad = verdict in ("fixes", "remains")
    after_bad = verdict in ("introduces", "remains")
    kb = (("wait_for_io", "no" if before_bad else "yes"),)
    ka = (("wait_for_io", "no" if after_bad else "yes"),)
    base = Finding(
        rule="evict-without-waiting-for-io",
        title="inode torn down while asynchronous requests may still hold it",
        scenario="evict-vs-async-io",
        verdict=verdict,  # type: ignore[arg-type]
        severity="error",
        confidence="high",
        file="fs/exfs/inode.c",
        function="exfs_evict_inode",
        line=407,
        knobs_before=kb,
        knobs_after=ka,
        facts=(
            Fact(
                "waits_for_io",
                kb[0][1],
                "before",
                "exfs_evict_inode() calls clear_inode() without waiting for outstanding I/O",
                line=408,
                file="fs/exfs/inode.c",
                function="exfs_evict_inode",
            ),
            Fact(
                "waits_for_io",
                ka[0][1],
                "after",
                "exfs_evict_inode() calls exfs_wait_for_requests() before clear_inode()",
                line=407,
                file="fs/exfs/inode.c",
                function="exfs_evict_inode",
            ),
            Fact(
                "completion_takes_ref",
                "yes",
                "after",
                "request completion uses the inode's handle",
                assumed=True,
                basis="default",
            ),
        ),
        sim_before=sim(before_bad, knobs=kb),
        sim_after=sim(after_bad, knobs=ka, undecided=verdict == "inconclusive"),
        invariant="no-io-after-free",
        hunk=0,
    )
    return replace(base, **kw)  # type: ignore[arg-type]


def report(*findings: Finding, msg: Message | None = None) -> PatchReport:
    p = patch(msg)
    return PatchReport(patch=p, functions=(), findings=findings)


def undecided_finding(*others: str, assumed: str = "fixes") -> Finding:
    """An inconclusive finding as analyze makes it when an unread fact decides the
    verdict: ``assumed`` with the facts as read, each of ``others`` with another value
    of the fact (the message is sensitivity.explain's own text)."""
    from reviewbot.rules.sensitivity import Outcome, explain

    sides = {
        "fixes": (True, False),
        "introduces": (False, True),
        "remains": (True, True),
        "not-affected": (False, False),
    }
    before_bad, after_bad = sides[assumed]
    base = finding(assumed)
    decisive = tuple(
        Outcome("completion_takes_ref", "yes", f"v{i}", v)  # type: ignore[arg-type]
        for i, v in enumerate(others)
    )
    return replace(
        base,
        verdict="inconclusive",
        confidence="low",
        sim_before=sim(before_bad, knobs=base.knobs_before),
        sim_after=sim(after_bad, knobs=base.knobs_after),
        message="exfs_evict_inode() may free the handle under a read."
        + explain("evict-vs-async-io", assumed, decisive=decisive),  # type: ignore[arg-type]
        outcomes=tuple(sorted({assumed, *others})),  # type: ignore[arg-type]
    )
