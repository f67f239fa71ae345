"""Review drafts as ``EmailMessage`` objects (policy ``default``); never sent.

``render_reply`` answers one patch, ``render_series_summary`` the cover letter of a
series. Both are pure: the date and the new Message-ID are arguments, so the same
input gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime

from reviewbot import __version__
from reviewbot.errors import UsageError
from reviewbot.model import Address, Finding, Message, PatchReport, Series
from reviewbot.render import headers
from reviewbot.render.env import render
from reviewbot.render.view import finding_view, section_views

MAX_LINE = 998  # RFC 5322; a quoted line longer than this forces quoted-printable
# A reply is read by a person: past these many findings (a tree-wide change), the rest
# are listed one line each, and past MAX_LISTED lines only counted.
MAX_DETAILED = 8
MAX_LISTED = 30
# the findings a reader most needs in full come first
_URGENCY = {"introduces": 0, "remains": 1, "inconclusive": 2, "fixes": 3, "not-affected": 4}


def render_reply(
    report: PatchReport,
    *,
    now: datetime,
    msgid: str,
    from_: Address,
    always: bool = False,
) -> EmailMessage | None:
    """A reply to the patch with its findings quoted under the code they concern,
    or None when there is nothing to say (unless ``always``)."""
    shown = tuple(f for f in report.reportable if not f.preexisting)
    preexisting = tuple(f for f in report.reportable if f.preexisting)
    if not shown and not preexisting and not always:
        return None
    msg = report.patch.message
    detailed, listed = _split(shown)
    checked = tuple(f for f in report.findings if f.verdict == "not-affected")
    subject = render("reply_subject.txt.j2", subject=headers.reply_subject(msg.subject))
    body = render(
        "reply_body.txt.j2",
        attribution=attribution(msg),
        sections=section_views(report, detailed),
        listed=tuple(finding_view(f) for f in listed[:MAX_LISTED]),
        unlisted=max(0, len(listed) - MAX_LISTED),
        preexisting=tuple(finding_view(f) for f in preexisting[:MAX_LISTED]),
        preexisting_unlisted=max(0, len(preexisting) - MAX_LISTED),
        checked=tuple(finding_view(f) for f in checked[:MAX_LISTED]),
        checked_unlisted=max(0, len(checked) - MAX_LISTED),
        notes=notes(report),
        version=__version__,
    )
    return _assemble(msg, subject, body, now=now, msgid=msgid, from_=from_)


def render_series_summary(
    series: Series,
    reports: Sequence[PatchReport],
    *,
    cover: Message,
    now: datetime,
    msgid: str,
    from_: Address,
) -> EmailMessage:
    """One reply to the cover letter listing, per patch, what was found."""
    by_id = {r.patch.message.msgid: r for r in reports}
    rows = []
    for pid in series.parts:
        r = by_id.get(pid)
        if r is None:
            continue
        rows.append(
            {
                "subject": headers.clean(r.patch.message.subject.raw, 200),
                "findings": tuple(finding_view(f) for f in r.reportable[:MAX_LISTED]),
                "unlisted": max(0, len(r.reportable) - MAX_LISTED),
            }
        )
    subject = render("summary_subject.txt.j2", subject=headers.reply_subject(cover.subject))
    body = render(
        "summary_body.txt.j2",
        attribution=attribution(cover),
        rows=rows,
        total=series.total if series.total is not None else len(series.parts),
        missing=max(0, (series.total or 0) - len(rows)),
        version=__version__,
    )
    return _assemble(cover, subject, body, now=now, msgid=msgid, from_=from_)


def _split(shown: tuple[Finding, ...]) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """(findings quoted in full, findings only listed): the most urgent in full, each
    group kept in the order the pipeline gave."""
    if len(shown) <= MAX_DETAILED:
        return shown, ()
    ranked = sorted(range(len(shown)), key=lambda i: (_URGENCY.get(shown[i].verdict, 5), i))
    keep = set(ranked[:MAX_DETAILED])
    return (
        tuple(f for i, f in enumerate(shown) if i in keep),
        tuple(f for i, f in enumerate(shown) if i not in keep),
    )


def attribution(msg: Message) -> str:
    who = msg.from_ or msg.x_original_from
    name = headers.clean(who.name or who.addr, 120) if who else "the author"
    date = headers.clean(msg.date, 80)
    return f"On {date}, {name} wrote:" if date else f"{name} wrote:"


def notes(report: PatchReport) -> tuple[str, ...]:
    """Input problems the reader should know about, each said once."""
    seen: list[str] = []
    if headers.parent_id(report.patch.message) is None:
        seen.append(
            "The original mail has no usable Message-ID, so this draft cannot thread "
            "to it: add In-Reply-To by hand before sending."
        )
    if not headers.recipients(report.patch.message)[0]:
        seen.append("The original mail has no usable sender address: fill in To by hand.")
    for d in (*report.patch.diagnostics, *report.diagnostics):
        if d.severity == "info":
            continue
        text = " ".join(d.message.split())
        if text and text not in seen:
            seen.append(text)
    if len(seen) > MAX_LISTED:
        more = len(seen) - MAX_LISTED
        seen = [*seen[:MAX_LISTED], f"{more} more; reviewbot check on the mail lists them all."]
    return tuple(seen)


def _assemble(
    parent: Message, subject: str, body: str, *, now: datetime, msgid: str, from_: Address
) -> EmailMessage:
    em = EmailMessage(policy=headers.draft_policy())
    me = headers.header_address(from_)
    if me is None:
        raise UsageError(f"not a usable From address: {from_.addr!r}")
    to, cc = headers.recipients(parent, from_)
    em["From"] = me
    if to:
        em["To"] = to
    if cc:
        em["Cc"] = cc
    em["Subject"] = headers.clean(subject, 400)
    em["Date"] = format_datetime(now)
    em["Message-ID"] = f"<{headers.clean_msgid(msgid) or msgid_fallback(msgid)}>"
    parent_id = headers.parent_id(parent)
    if parent_id:
        em["In-Reply-To"] = f"<{parent_id}>"
    refs = headers.references(parent)
    if refs:
        em["References"] = " ".join(f"<{r}>" for r in refs)
    em["User-Agent"] = f"reviewbot/{__version__}"
    _set_body(em, body)
    return em


def msgid_fallback(msgid: str) -> str:
    return f"reviewbot-invalid@{headers.msgid_domain(msgid.rpartition('@')[2])}"


def _set_body(em: EmailMessage, body: str) -> None:
    """Plain text, readable in the raw: 7bit or 8bit, never base64 for normal mail."""
    if any(len(line.encode("utf-8")) > MAX_LINE for line in body.splitlines()):
        em.set_content(body, charset="utf-8", cte="quoted-printable")
    elif body.isascii():
        em.set_content(body, charset="utf-8", cte="7bit")
    else:
        em.set_content(body, charset="utf-8", cte="8bit")
