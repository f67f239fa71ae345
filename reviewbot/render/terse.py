"""``--format terse``: one line per finding, for ``b4.am-perpatch-check-cmd``.

b4 marks a line that contains ``ERROR:`` as failing and any other line as a warning
(the same convention as ``checkpatch.pl --terse``), and a silent run as passing. So
only findings that should fail the patch say ``ERROR:``; a confirmed fix is a plain
line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from reviewbot.model import Finding
from reviewbot.render import labels
from reviewbot.render.headers import clean

if TYPE_CHECKING:
    from reviewbot.model import RunLike


def line(f: Finding) -> str:
    """'fs/x.c:12: ERROR: foo(): introduces ...', like checkpatch --terse."""
    status = labels.status(f)
    if status == "fail":
        level = "ERROR: "
    elif status == "warn":
        level = "CHECK: " if f.severity == "info" else "WARNING: "
    else:
        level = ""
    return f"{labels.where(f)}: {level}{labels.what(f)}"


def to_terse(run: RunLike) -> str:
    lines: list[str] = []
    for report in run.reports:
        # a message that could not be reviewed fails: silence would read as a pass
        lines.extend(
            f"{clean(report.patch.message.source or '-', 120)}: ERROR: not reviewed: "
            f"{clean(d.message, 200)}"
            for d in report.errors
        )
        lines.extend(line(f) for f in report.reportable)
    return "".join(f"{ln}\n" for ln in lines)
