"""`reviewbot parse`: show what reviewbot understood of a mailbox or message."""

from __future__ import annotations

import sys

import typer

from reviewbot.errors import UsageError

HELP = """Show the parsed structure of PATH (mbox, Maildir, message, or - for stdin):
messages, series, patches, files, hunks, changed functions and their facts.

Exit status: 0 parsed (damage is reported as diagnostics); 2 unreadable input.
"""


def register(app: typer.Typer) -> None:
    @app.command("parse", help=HELP)
    def _cmd(
        path: str = typer.Argument(..., metavar="PATH|-", help="mailbox, Maildir, message or -"),
        fmt: str = typer.Option("text", "--format", help="text or json"),
        tree: str | None = typer.Option(
            None, "--tree", metavar="PATH", help="kernel git checkout for whole functions"
        ),
    ) -> int:
        if fmt not in ("text", "json"):
            raise UsageError(f"unknown format {fmt!r}", hint="valid formats: text, json")
        from reviewbot.diffparse.show import to_json, to_text, understand

        stdin = sys.stdin.buffer.read() if path == "-" else None
        result = understand(path, stdin=stdin, tree=tree)
        sys.stdout.write(to_json(result) if fmt == "json" else to_text(result))
        return 0
