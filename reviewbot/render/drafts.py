"""All the drafts of one check run, named and serialised (pure; the CLI writes them).

Used by ``reviewbot check --format email`` and by the watcher, so that both produce
the same drafts for the same input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from reviewbot.model import Address, RunLike
from reviewbot.render import headers


@dataclass(frozen=True)
class Draft:
    name: str  # file name: "0001-exfs-wait-for-outstanding-requests.eml"
    parent: str  # Message-ID (no brackets) of the mail it answers
    message: EmailMessage
    # Position in run.reports of the mail it answers: two mails may share a Message-ID.
    index: int = -1


def slug(text: str, limit: int = 52) -> str:
    """A file-name-safe slug, like the ones git format-patch makes."""
    out = ""
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or "patch"


def build_drafts(
    run: RunLike,
    *,
    now: datetime,
    from_: Address,
    domain: str,
    always: bool = False,
    summary: bool = False,
) -> tuple[Draft, ...]:
    """One reply per message with findings (every message with ``always``), and with
    ``summary`` one reply per series cover letter present in the input."""
    # Imported here: the templates pull in jinja2, which terse/text/b4 output never needs.
    from reviewbot.render.email import render_reply, render_series_summary

    drafts: list[Draft] = []
    by_id = {r.patch.message.msgid: r for r in run.reports}
    position = {id(r): i for i, r in enumerate(run.reports)}
    for number, report in enumerate(run.reports, start=1):
        msg = report.patch.message
        if summary and any(s.cover == msg.msgid for s in run.series):
            continue  # the cover letter gets the summary instead
        if any(d.code == "review-of-patch-in-input" for d in report.diagnostics):
            continue  # someone's review of a patch that gets its own draft
        em = render_reply(
            report,
            now=now,
            msgid=headers.draft_msgid(report, domain),
            from_=from_,
            always=always,
        )
        if em is not None:
            name = f"{number:04d}-{slug(msg.subject.title)}.eml"
            drafts.append(Draft(name, msg.msgid, em, number - 1))
    summaries: list[Draft] = []
    if summary:
        for series in run.series:
            cover = by_id.get(series.cover or "")
            if cover is None:
                continue
            parts = [by_id[p] for p in series.parts if p in by_id]
            em = render_series_summary(
                series,
                parts,
                cover=cover.patch.message,
                now=now,
                msgid=headers.draft_msgid(cover, domain, kind="summary"),
                from_=from_,
            )
            name = f"0000-summary-{slug(cover.patch.message.subject.title)}.eml"
            if any(d.name == name for d in summaries):
                # two versions of a series under one title: one file each, not one
                name = name.replace("0000-summary-", f"0000-summary-{position[id(cover)] + 1}-")
            summaries.append(Draft(name, cover.patch.message.msgid, em, position[id(cover)]))
    return (*summaries, *drafts)


def as_bytes(em: EmailMessage) -> bytes:
    """The draft as an RFC 5322 file (LF line ends), for ``mutt -H`` and git send-email."""
    return em.as_bytes()


def as_mbox(drafts: Sequence[Draft]) -> bytes:
    """Drafts as one mboxrd stream (what ``--format email`` prints to stdout)."""
    out = bytearray()
    for d in drafts:
        out += b"From reviewbot Mon Sep 17 00:00:00 2001\n"
        for line in as_bytes(d.message).splitlines(keepends=True):
            out += b">" + line if re.match(rb">*From ", line) else line
        if not out.endswith(b"\n"):
            out += b"\n"
        out += b"\n"
    return bytes(out)
