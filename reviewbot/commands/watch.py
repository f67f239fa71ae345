"""`reviewbot watch SOURCE --drafts MAILDIR`: review what is new in a lei/Maildir source.

Exit codes follow `check`: 0 nothing new was found, 1 this run's reviews have findings,
2 an error (bad arguments, unreadable source, damaged state, or a message first met in
this run that cannot be read or whose review failed: each gets a line, even --quiet).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from reviewbot.errors import UsageError
from reviewbot.model import CheckOptions, Diagnostic, Severity

if TYPE_CHECKING:
    from reviewbot.watch import Unreadable

# Tests only: kill this process with SIGKILL when watch reaches the named point
# ("after-tmp", or "after-tmp@2" for its second visit). See tests/test_watch_crash.py.
CRASH_ENV = "REVIEWBOT_TEST_CRASH_AT"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> float:
    """'90s', '15m', '2h', '1h30m', '1d' or plain seconds -> seconds."""
    t = text.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return float(t)
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhdw])", t)
    if not parts or re.sub(r"\s+", "", t) != "".join(n + u for n, u in parts):
        raise UsageError(f"bad duration {text!r}", hint="use e.g. 90s, 15m, 2h, 1h30m, 1d")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def _crashpoint() -> Callable[[str], None]:
    spec = os.environ.get(CRASH_ENV, "")
    if not spec:
        return lambda _point: None
    point, _, nth = spec.partition("@")
    seen = [0]
    target = int(nth or 1)

    def hit(name: str) -> None:
        if name == point:
            seen[0] += 1
            if seen[0] == target:
                os.kill(os.getpid(), signal.SIGKILL)

    return hit


def register(app: typer.Typer) -> None:
    @app.command("watch")
    def _cmd(
        source: Annotated[str, typer.Argument(help="Maildir or mbox that lei q/up writes, or -")],
        *,
        drafts: Annotated[
            Path, typer.Option("--drafts", help="Maildir the review drafts go to (made if absent)")
        ],
        state: Annotated[
            Path | None,
            typer.Option(help="state database (default: DRAFTS/.reviewbot-state.sqlite)"),
        ] = None,
        grace: Annotated[
            str, typer.Option(help="how long an incomplete series waits for missing parts")
        ] = "30m",
        no_wait: Annotated[
            bool, typer.Option("--no-wait", help="review incomplete series at once")
        ] = False,
        from_: Annotated[
            str | None,
            typer.Option("--from", help='draft sender, "Name <addr>" (default: git config)'),
        ] = None,
        tree: Annotated[
            str | None, typer.Option(help="kernel git checkout for whole functions")
        ] = None,
        min_severity: Annotated[str, typer.Option(help="info | warning | error")] = "info",
        disable: Annotated[
            list[str] | None, typer.Option(help="rule id to skip (repeatable)")
        ] = None,
        always: Annotated[
            bool, typer.Option("--always", help="write a draft even without findings")
        ] = False,
        retry_errors: Annotated[
            bool, typer.Option("--retry-errors", help="review again messages that failed")
        ] = False,
        quiet: Annotated[
            bool, typer.Option("--quiet", "-q", help="no summary line (errors are still said)")
        ] = False,
    ) -> int:
        """Review the messages of SOURCE that no earlier run reviewed; write drafts."""
        from reviewbot import mail, watch
        from reviewbot.commands.check import resolve_from

        if min_severity not in ("info", "warning", "error"):
            raise UsageError(
                f"unknown --min-severity {min_severity!r}", hint="use info, warning or error"
            )
        if tree is not None and not Path(tree).is_dir():
            raise UsageError(f"--tree {tree!r} is not a directory")
        options = watch.WatchOptions(
            from_=resolve_from(from_),
            grace=parse_duration(grace),
            no_wait=no_wait,
            retry_errors=retry_errors,
        )
        check = CheckOptions(
            tree=tree,
            min_severity=cast(Severity, min_severity),
            disabled_rules=tuple(disable or ()),
            always=always,
        )
        stdin = sys.stdin.buffer.read() if source == "-" else None
        batch = mail.load(source, stdin=stdin)
        hooks = watch.default_hooks(check)
        bar = _progress() if sys.stderr.isatty() else None
        hooks = replace(hooks, crashpoint=_crashpoint(), progress=bar or hooks.progress)
        try:
            summary = watch.run(
                batch.messages,
                drafts,
                state if state is not None else drafts / ".reviewbot-state.sqlite",
                options,
                hooks,
                unreadable=_unreadable(source, stdin, batch.diagnostics),
            )
        finally:
            if bar is not None:
                bar.close()
        # Errors are said even with --quiet: exit 2 alone would not say which message.
        for where, why in summary.unreadable_failures:
            typer.echo(f"reviewbot watch: {where}: {' '.join(why.split())}", err=True)
        for msgid, why in summary.failures:
            typer.echo(f"reviewbot watch: <{msgid}>: {' '.join(why.split())}", err=True)
        if not quiet:
            typer.echo(f"reviewbot watch: {summary.line()}")
        return summary.exit_code


def _unreadable(
    source: str, stdin: bytes | None, diagnostics: Sequence[Diagnostic]
) -> tuple[Unreadable, ...]:
    """The messages mail could not read, each keyed by its bytes so that the state
    remembers it wherever lei puts it next time."""
    from reviewbot.watch import Unreadable, unreadable_key

    errors = [d for d in diagnostics if d.severity == "error"]
    if not errors:
        return ()
    raw = _raw_messages(source, stdin, {d.where for d in errors})
    return tuple(
        Unreadable(
            # Bytes not found again (the file vanished since): its place stands in.
            key=unreadable_key(raw.get(d.where, f"{d.where}\0{d.message}".encode())),
            where=d.where,
            why=d.message,
        )
        for d in errors
    )


def _raw_messages(source: str, stdin: bytes | None, wanted: set[str]) -> dict[str, bytes]:
    """Bytes of the messages named in ``wanted``, named as mail.load names them: the
    file of a Maildir message, "NAME message N" (1-based) for part of an mbox."""
    from reviewbot.errors import InputError
    from reviewbot.mail import sources

    try:
        if source != "-" and os.path.isdir(source):
            found: dict[str, bytes] = {}
            for path, name in sources.maildir_files(source):
                if name in wanted:
                    with contextlib.suppress(InputError):  # removed since: fallback key
                        found[name] = sources.read_file(path)
            return found
        data = stdin if stdin is not None else sources.read_file(source)
        if sources.is_gzip(data):
            data = sources.gunzip(data, source)
    except InputError:
        return {}  # changed under us since it was loaded; the fallback key serves
    if not sources.is_mbox(data):
        return {source: data}
    parts = sources.split_mbox(data)
    if len(parts) == 1:
        return {source: parts[0]}
    return {f"{source} message {i}": part for i, part in enumerate(parts, 1)}


class _Bar:
    """A rich progress bar on stderr, shown only on a terminal."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self._progress = Progress(
            TextColumn("reviewing"),
            BarColumn(),
            MofNCompleteColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._task = self._progress.add_task("review", total=None)
        self._progress.start()

    def __call__(self, done: int, total: int) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def close(self) -> None:
        self._progress.stop()


def _progress() -> _Bar:
    return _Bar()
