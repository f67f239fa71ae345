"""``--format text``: a per-message summary for a terminal.

Everything from the mail is passed through ``headers.clean`` first, so a hostile
subject cannot smuggle terminal escape sequences onto the user's screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from reviewbot.model import Finding, PatchReport
from reviewbot.render import labels
from reviewbot.render.headers import clean
from reviewbot.render.outcomes import harmless

if TYPE_CHECKING:
    from reviewbot.model import RunLike

_VERDICT_WIDTH = 12


def _finding(f: Finding) -> list[str]:
    head = f"  {f.verdict:<{_VERDICT_WIDTH}} {f.rule}  [{f.severity}, {f.confidence} confidence]"
    lines = [head]
    func = f" {clean(f.function, 80)}()" if f.function else ""
    if f.file or f.function:
        lines.append(f"  {'':<{_VERDICT_WIDTH}} {labels.where(f)}{func}")
    lines.append(f"  {'':<{_VERDICT_WIDTH}} {labels.invariant(f)}: {labels.sides(f)}")
    extras = []
    if harmless(f):
        extras.append("fixes or does not affect, depending on an unread fact: safe either way")
    if f.preexisting:
        extras.append("pre-existing (code not changed by the patch)")
    if f.degraded:
        extras.append("degraded analysis (damaged or missing diff)")
    if f.assumed:
        extras.append(f"{len(f.assumed)} assumed fact(s)")
    if extras:
        lines.append(f"  {'':<{_VERDICT_WIDTH}} " + "; ".join(extras))
    return lines


def _report(report: PatchReport, draft: str | None) -> list[str]:
    msg = report.patch.message
    lines = [clean(msg.subject.raw, 200) or "(no subject)"]
    origin = clean(msg.source, 120)
    lines.append(f"  <{clean(msg.msgid, 200)}>" + (f"  {origin}" if origin else ""))
    found = report.reportable
    if not found:
        lines.append("  no findings")
    for f in found:
        lines.extend(_finding(f))
    # Checked and found unaffected: not findings, but what a maintainer wants to know
    # was looked at (and whether the change is load-bearing), so list them apart.
    for f in report.findings:
        if f.verdict == "not-affected" and not f.preexisting:
            lines.extend(_finding(f))
            if "load-bearing" in f.message:
                lines.append(
                    f"  {'':<{_VERDICT_WIDTH}} the change is load-bearing: undoing it"
                    " breaks the invariant in the model"
                )
    notes: list[str] = []
    for d in (*report.patch.diagnostics, *report.diagnostics):
        note = f"  note: {clean(d.message, 300)}"
        if note not in notes:
            notes.append(note)
    lines.extend(notes)
    if draft:
        lines.append(f"  draft: {draft}")
    return lines


def to_text(run: RunLike, drafts: Mapping[int, str] | None = None) -> str:
    """``drafts`` maps a message's position in ``run.reports`` to where its draft went
    (not its Message-ID, which two messages of one mbox may share)."""
    drafts = drafts or {}
    out: list[str] = []
    for i, report in enumerate(run.reports):
        out.extend(_report(report, drafts.get(i)))
        out.append("")
    for d in run.diagnostics:
        where = f"{clean(d.where, 120)}: " if d.where else ""
        out.append(f"{d.severity}: {where}{clean(d.message, 300)}")
    counts: dict[str, int] = {}
    for r in run.reports:
        for f in r.reportable:
            counts[f.verdict] = counts.get(f.verdict, 0) + 1
    total = sum(counts.values())
    detail = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
    summary = f"{len(run.reports)} message(s), {total} finding(s)"
    if detail:
        summary += f" ({detail})"
    if drafts:
        summary += f", {len(drafts)} draft(s) written"
    elif total:
        summary += "; review drafts: --out DIR or --format email"
    out.append(summary)
    return "\n".join(out) + "\n"
