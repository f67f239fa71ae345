"""`reviewbot check PATH|-`: review patches and print findings, drafts or check JSON.

Exit codes: 0 no findings, 1 findings, 2 usage/input/internal error.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from reviewbot.errors import InputError, UsageError
from reviewbot.model import Address, CheckOptions

if TYPE_CHECKING:
    from reviewbot.model import RunLike
    from reviewbot.render.drafts import Draft

FORMATS = ("text", "email", "json", "b4", "terse")
SEVERITIES = ("info", "warning", "error")


def register(app: typer.Typer) -> None:
    @app.command("check")
    def _cmd(  # noqa: PLR0917 (typer maps each parameter to an option)
        source: Annotated[
            str, typer.Argument(metavar="PATH|-", help="mbox, message, Maildir, or - for stdin")
        ],
        fmt: Annotated[
            str, typer.Option("--format", metavar="FORMAT", help="text | email | json | b4 | terse")
        ] = "text",
        out: Annotated[
            str | None,
            typer.Option("--out", metavar="DIR", help="write each draft as DIR/NNNN-slug.eml"),
        ] = None,
        from_: Annotated[
            str | None, typer.Option("--from", metavar="ADDR", help='draft sender, "Name <addr>"')
        ] = None,
        always: Annotated[bool, typer.Option(help="draft a reply even without findings")] = False,
        summary: Annotated[bool, typer.Option(help="also reply to each cover letter")] = False,
        tree: Annotated[
            str | None, typer.Option(metavar="PATH", help="kernel checkout for full functions")
        ] = None,
        min_severity: Annotated[
            str, typer.Option(metavar="LEVEL", help="info | warning | error")
        ] = "info",
        disable: Annotated[
            list[str] | None, typer.Option(metavar="RULE", help="rule id to skip (repeatable)")
        ] = None,
        config: Annotated[
            str | None, typer.Option(metavar="FILE", help="reviewbot config file")
        ] = None,
        now: Annotated[
            str | None,
            typer.Option(metavar="DATE", help="ISO 8601 date for the drafts (default: now)"),
        ] = None,
    ) -> int:
        """Review patches: findings with verdicts, as text, drafts, JSON or b4 checks."""
        return run_check(
            source,
            fmt=fmt,
            out=out,
            from_=from_,
            always=always,
            summary=summary,
            tree=tree,
            min_severity=min_severity,
            disable=tuple(disable or ()),
            config=config,
            now=now,
        )


def run_check(
    source: str,
    *,
    fmt: str = "text",
    out: str | None = None,
    from_: str | None = None,
    always: bool = False,
    summary: bool = False,
    tree: str | None = None,
    min_severity: str = "info",
    disable: tuple[str, ...] = (),
    config: str | None = None,
    now: str | None = None,
) -> int:
    if fmt not in FORMATS:
        raise UsageError(f"unknown --format {fmt!r}", hint="use one of " + ", ".join(FORMATS))
    if min_severity not in SEVERITIES:
        raise UsageError(
            f"unknown --min-severity {min_severity!r}", hint="use info, warning or error"
        )
    when = parse_now(now)
    sender = resolve_from(from_) if fmt == "email" or out else None

    from reviewbot import pipeline

    options = _options(
        tree=tree,
        min_severity=min_severity,
        disable=disable,
        always=always,
        summary=summary,
        config=config,
    )
    stdin = read_stdin() if source == "-" else None
    run = pipeline.check(source, options, stdin=stdin)
    _require_messages(run)
    found = any(r.reportable for r in run.reports)

    drafts: tuple[Draft, ...] = ()
    if sender is not None:
        from reviewbot.render.drafts import build_drafts

        drafts = build_drafts(
            run,
            now=when,
            from_=sender,
            domain=sender.addr.rpartition("@")[2],
            always=always,
            summary=summary,
        )
    written = write_drafts(drafts, out) if out else {}

    if fmt == "email":
        from reviewbot.render.drafts import as_mbox

        _warn_diagnostics(run)
        if out:
            # every draft is written or the run fails: count the drafts, not the keys
            sys.stderr.write(f"reviewbot: wrote {len(drafts)} draft(s) to {out}\n")
        else:
            sys.stdout.buffer.write(as_mbox(drafts))
            sys.stdout.flush()
    elif fmt == "json":
        from reviewbot.report_json import to_json

        _print(to_json(run))
    elif fmt == "b4":
        from reviewbot.render.b4 import to_b4_json

        _warn_diagnostics(run)  # a skipped message has no entry in the list
        _print(to_b4_json(run))
    elif fmt == "terse":
        from reviewbot.render.terse import to_terse

        _warn_diagnostics(run)  # stdout is one line per finding, nothing else
        _print(to_terse(run))
    else:
        from reviewbot.render.text import to_text

        _print(to_text(run, written))
    # a message that could not be read or reviewed: the others were, but the run
    # must not read as a clean pass (exit 2 outranks findings)
    if any(d.severity == "error" for d in run.diagnostics) or any(r.errors for r in run.reports):
        return 2
    return 1 if found else 0


def _options(
    *,
    tree: str | None,
    min_severity: str,
    disable: tuple[str, ...],
    always: bool,
    summary: bool,
    config: str | None,
) -> CheckOptions:
    if tree is not None:
        if not Path(tree).is_dir():
            raise UsageError(f"--tree {tree!r} is not a directory")
        from reviewbot.diffparse.tree import check_tree

        # pre-images are read from git by blob id: an unpacked tarball cannot serve
        check_tree(tree)
    extra: tuple[tuple[str, str], ...] = ()
    if config is not None:
        if not Path(config).is_file():
            raise UsageError(f"--config {config!r} is not a file")
        extra = (("config", config),)
    return CheckOptions(
        tree=tree,
        min_severity=min_severity,  # type: ignore[arg-type]
        disabled_rules=disable,
        always=always,
        summary=summary,
        extra=extra,
    )


def read_stdin() -> bytes:
    try:
        return sys.stdin.buffer.read()
    except (OSError, ValueError, AttributeError) as exc:
        raise InputError(f"cannot read the message from stdin: {exc}") from None


def parse_now(value: str | None) -> datetime:
    """``--now`` as an aware datetime (naive values are UTC); default: the local now."""
    if value is None:
        return datetime.now(UTC).astimezone()
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--now {value!r} is not an ISO 8601 date", hint="e.g. 2026-02-18T17:00:00+00:00"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def resolve_from(value: str | None) -> Address:
    """``--from``, else git's user.name/user.email, else a usage error."""
    from email.utils import parseaddr

    if value is not None:
        name, addr = parseaddr(value)
        if "@" not in addr or any(c in value for c in "\r\n"):
            raise UsageError(f"--from {value!r} is not an address", hint='use "Name <addr>"')
        return Address(name, addr)
    name, addr = _git_config("user.name"), _git_config("user.email")
    if addr and "@" in addr:
        return Address(name or "", addr)
    raise UsageError(
        "drafts need a From address",
        hint='pass --from "Name <addr>" or set git config user.name and user.email',
    )


def _git_config(key: str) -> str:
    try:
        proc = subprocess.run(
            ["git", "config", "--get", key],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def write_drafts(drafts: tuple[Draft, ...], out: str) -> dict[int, str]:
    """Write each draft atomically as DIR/<name>; returns the position in run.reports
    of the mail each answers -> path (not its Message-ID: two mails may share one)."""
    from reviewbot.render.drafts import as_bytes

    directory = Path(out)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create --out directory {out!r}: {exc.strerror}") from None
    written: dict[int, str] = {}
    for d in drafts:
        target = directory / d.name
        try:
            fd, tmp = tempfile.mkstemp(dir=directory, prefix=".reviewbot-", suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                fh.write(as_bytes(d.message))
            os.replace(tmp, target)
        except OSError as exc:
            raise InputError(f"cannot write draft {str(target)!r}: {exc.strerror}") from None
        written[d.index] = str(target)
    return written


def _require_messages(run: RunLike) -> None:
    """An empty input is a mistake (a pipe from a command that failed, a wrong file),
    not a clean bill of health: exit 2 rather than 0, which reads as "no findings"."""
    if run.reports:
        return
    empty = [d for d in run.diagnostics if d.code == "empty-input"]
    if empty:
        where = empty[0].where or "input"
        raise InputError(
            f"{'stdin' if where == '-' else where} is empty: no message to review",
            hint="pass an mbox, a message, a Maildir, or pipe one to '-'",
        )


def _print(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _warn_diagnostics(run: RunLike) -> None:
    errors = [d for r in run.reports for d in r.errors]
    for d in (*run.diagnostics, *errors):
        where = f"{d.where}: " if d.where else ""
        sys.stderr.write(" ".join(f"reviewbot: {d.severity}: {where}{d.message}".split()) + "\n")
