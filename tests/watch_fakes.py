"""Synthetic mail and stand-in pipeline stages for the watcher's own tests.

The watcher's bookkeeping (state, series, drafts, crashes) is tested with these small
stages so that it does not depend on the rules or the simulator; the real pipeline is
exercised end to end in tests/integration/. All messages here are synthetic.

Run as a script, this is the process the crash tests kill:
    python tests/watch_fakes.py SOURCE DRAFTS STATE [--no-wait] [--log FILE]
with REVIEWBOT_TEST_CRASH_AT=<point>[@n] set.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Iterable
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from reviewbot import mail, watch
from reviewbot.errors import InputError
from reviewbot.model import (
    Address,
    FileChange,
    Finding,
    Message,
    Patch,
    PatchReport,
)

ME = Address("Rev Iewer", "reviewer@example.org")


def mbox_message(
    msgid: str,
    subject: str,
    *,
    body: str | None = None,
    in_reply_to: str | None = None,
    sender: str = "Pat Author <pat@example.org>",
    marker: str = "",
) -> bytes:
    """One synthetic message in mbox form; ``marker`` goes into the diff (e.g. BUG)."""
    if body is None:
        name = hashlib.sha1(subject.encode()).hexdigest()[:8]
        body = (
            f"Synthetic patch {subject}.\n\nSigned-off-by: {sender}\n---\n"
            f"diff --git a/fs/x/{name}.c b/fs/x/{name}.c\n"
            f"--- a/fs/x/{name}.c\n+++ b/fs/x/{name}.c\n"
            "@@ -1,3 +1,3 @@\n int f(void)\n {\n"
            f"-\treturn 0;\n+\treturn 1; /* {marker} */\n }}\n"
        )
    head = [
        "From mboxrd@z Thu Jan  1 00:00:00 1970",
        f"From: {sender}",
        "To: list@vger.example.org",
        f"Subject: {subject}",
        "Date: Mon, 1 Jan 2024 00:00:00 +0000",
        f"Message-ID: <{msgid}>",
    ]
    if in_reply_to:
        head += [f"In-Reply-To: <{in_reply_to}>", f"References: <{in_reply_to}>"]
    return ("\n".join(head) + "\n\n" + body + "\n").encode()


def write_mbox(path: Path, messages: Iterable[bytes]) -> Path:
    path.write_bytes(b"".join(messages))
    return path


def identify(msg: Message) -> Patch:
    """Stand-in for diffparse.extract_patch: a file change iff the body has a diff."""
    if "diff --git" not in msg.body:
        return Patch(message=msg, files=())
    diff = msg.body[msg.body.index("diff --git") :]
    path = diff.split()[2][2:]
    return Patch(
        message=msg,
        files=(FileChange(path, path, "modified"),),
        diff_text=diff,
        patch_id=hashlib.sha1(diff.encode()).hexdigest(),
    )


def _finding(path: str) -> Finding:
    return Finding(
        rule="synthetic-rule",
        title="synthetic finding",
        scenario="synthetic",
        verdict="introduces",
        severity="warning",
        confidence="high",
        file=path,
        function="f",
        line=1,
        knobs_before=(),
        knobs_after=(),
        facts=(),
        sim_before=None,
        sim_after=None,
    )


def review(msg: Message) -> PatchReport:
    """Stand-in reviewer: one finding when the diff says BUG; FAIL raises InputError."""
    patch = identify(msg)
    if "FAIL" in msg.body:
        raise InputError("synthetic failure", where=msg.source)
    if log := os.environ.get("WATCH_FAKES_LOG"):
        with open(log, "a") as fh:  # O_APPEND: one line per review, even across processes
            fh.write(msg.msgid + "\n")
    if delay := os.environ.get("WATCH_FAKES_DELAY"):
        time.sleep(float(delay))
    findings = (_finding(patch.files[0].path),) if "BUG" in msg.body else ()
    return PatchReport(patch=patch, functions=(), findings=findings)


def render(report: PatchReport, now: datetime, msgid: str, from_: Address) -> EmailMessage | None:
    """Stand-in for render_reply: a draft only when there is something to report."""
    if not report.reportable:
        return None
    m = EmailMessage()
    m["From"] = from_.formatted()
    m["Subject"] = "Re: " + report.patch.message.subject.raw
    m["Message-ID"] = f"<{msgid}>"
    m["In-Reply-To"] = f"<{report.patch.message.msgid}>"
    m["Date"] = now.strftime("%a, %d %b %Y %H:%M:%S +0000")
    m.set_content(f"{len(report.reportable)} finding(s)\n")
    return m


def hooks(clock: float | None = None) -> watch.Hooks:
    return watch.Hooks(
        identify=identify,
        group=mail.group_series,
        review=review,
        render=render,
        clock=(lambda: clock) if clock is not None else time.time,
    )


def main(argv: list[str]) -> int:
    from dataclasses import replace

    from reviewbot.commands.watch import _crashpoint

    source, drafts, state = argv[:3]
    batch = mail.load(source)
    options = watch.WatchOptions(from_=ME, no_wait="--no-wait" in argv)
    summary = watch.run(
        batch.messages, drafts, state, options, replace(hooks(), crashpoint=_crashpoint())
    )
    print(summary.line())
    return summary.exit_code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
