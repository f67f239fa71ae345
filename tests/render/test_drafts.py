"""build_drafts / as_mbox / slug (synthetic reports)."""

from __future__ import annotations

from dataclasses import dataclass

import render_factory as factory

from reviewbot.model import Diagnostic, PatchReport, Series, Subject
from reviewbot.render.drafts import as_mbox, build_drafts, slug


@dataclass(frozen=True)
class Run:
    reports: tuple[PatchReport, ...]
    series: tuple[Series, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


def test_slug() -> None:
    assert slug("netfs, 9p: Fix race between umount and async request completion") == (
        "netfs-9p-fix-race-between-umount-and-async-request"
    )
    assert slug("\u00fc\u00fc\u00fc") == "patch"
    assert slug("../../etc/passwd") == "etc-passwd"


def test_mbox_escapes_from_lines() -> None:
    r = factory.report(factory.finding("introduces", message="From the code, a question."))
    drafts = build_drafts(Run((r,)), now=factory.NOW, from_=factory.ME, domain="example.org")
    data = as_mbox(drafts)
    assert data.startswith(b"From reviewbot ")
    assert b"\n>From the code" in data and b"\nFrom the code" not in data


def test_one_draft_per_message_with_findings_and_summary_for_cover() -> None:
    cover = factory.report(
        msg=factory.message(
            msgid="c@example.net", subject=Subject("[PATCH 0/2] exfs: two", "exfs: two")
        )
    )
    p1 = factory.report(
        factory.finding("introduces"),
        msg=factory.message(msgid="p1@example.net", subject=Subject("[PATCH 1/2] a", "a")),
    )
    p2 = factory.report(
        factory.finding("not-affected"),
        msg=factory.message(msgid="p2@example.net", subject=Subject("[PATCH 2/2] b", "b")),
    )
    series = Series(
        "c@example.net", 1, 2, "c@example.net", ("p1@example.net", "p2@example.net"), True
    )
    run = Run((cover, p1, p2), (series,))
    plain = build_drafts(run, now=factory.NOW, from_=factory.ME, domain="example.org")
    assert [d.parent for d in plain] == ["p1@example.net"]
    assert plain[0].name == "0002-a.eml"
    with_summary = build_drafts(
        run, now=factory.NOW, from_=factory.ME, domain="example.org", summary=True
    )
    assert [d.parent for d in with_summary] == ["c@example.net", "p1@example.net"]
    body = with_summary[0].message.get_content()
    assert "[PATCH 2/2] b\n  - nothing to report" in body
    ids = {d.message["Message-ID"] for d in with_summary}
    assert len(ids) == 2


def test_mbox_stream_reads_back_as_separate_messages(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import mailbox

    reports = tuple(
        factory.report(
            factory.finding(v),
            msg=factory.message(msgid=f"m{i}@example.net", subject=Subject(f"[PATCH] {v}", v)),
        )
        for i, v in enumerate(("fixes", "introduces", "remains"))
    )
    drafts = build_drafts(Run(reports), now=factory.NOW, from_=factory.ME, domain="example.org")
    path = tmp_path / "drafts.mbox"
    path.write_bytes(as_mbox(drafts))
    box = mailbox.mbox(str(path))
    assert [m["In-Reply-To"] for m in box] == [
        "<m0@example.net>",
        "<m1@example.net>",
        "<m2@example.net>",
    ]


def test_two_versions_of_a_series_get_a_summary_file_each() -> None:
    reports, series = [], []
    for v in (1, 2):
        cover, part = f"c{v}@example.net", f"p{v}@example.net"
        title = Subject(f"[PATCH v{v} 0/1] exfs: two", "exfs: two", version=v)
        reports += [
            factory.report(msg=factory.message(msgid=cover, subject=title)),
            factory.report(
                factory.finding("introduces"),
                msg=factory.message(msgid=part, subject=Subject(f"[PATCH v{v} 1/1] a", "a")),
            ),
        ]
        series.append(Series(cover, v, 1, cover, (part,), True))
    run = Run(tuple(reports), tuple(series))
    drafts = build_drafts(
        run, now=factory.NOW, from_=factory.ME, domain="example.org", summary=True
    )
    assert len({d.name for d in drafts}) == len(drafts) == 4
    # each draft knows which message of the input it answers
    assert sorted(d.index for d in drafts) == [0, 1, 2, 3]
