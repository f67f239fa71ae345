"""``--format b4``: the JSON list b4's review-perpatch-check-cmd reads.

b4 runs the command with one message on stdin and keeps one result per (message,
tool): ``[{"tool", "status": pass|warn|fail, "summary", "url", "details"}]``. Its TUI
shows ``details`` as a list when it is itself a JSON list of
``{"status", "description"}`` entries, which is what we put there.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from reviewbot.render import labels
from reviewbot.render.headers import clean
from reviewbot.render.outcomes import harmless

if TYPE_CHECKING:
    from reviewbot.model import RunLike

_ORDER = {"pass": 0, "warn": 1, "fail": 2}


def to_b4_json(run: RunLike) -> str:
    entries = []
    for report in run.reports:
        found = report.reportable
        items = [{"status": labels.status(f), "description": labels.sentence(f)} for f in found]
        worst = max((i["status"] for i in items), key=_ORDER.__getitem__, default="pass")
        if found:
            counts: dict[str, int] = {}
            for f in found:
                key = "inconclusive (safe either way)" if harmless(f) else f.verdict
                counts[key] = counts.get(key, 0) + 1
            summary = ", ".join(f"{n} {v}" for v, n in sorted(counts.items()))
        else:
            summary = "no known page-cache/writeback race affected"
        if report.patch.degraded:
            summary += " (diff damaged: degraded analysis)"
        if report.errors:  # not reviewed: a pass would read as "nothing found"
            worst = "fail"
            summary = f"not reviewed: {clean(report.errors[0].message, 200)}"
        entries.append(
            {
                "tool": "reviewbot",
                "status": worst,
                "summary": summary,
                "url": "",
                "details": json.dumps(items) if items else "",
                "msgid": clean(report.patch.message.msgid, 250),
            }
        )
    return json.dumps(entries, indent=2) + "\n"
