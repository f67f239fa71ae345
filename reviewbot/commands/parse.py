"""`reviewbot parse` (placeholder until its issue lands)."""

from __future__ import annotations

import typer

from reviewbot.errors import UsageError


def register(app: typer.Typer) -> None:
    @app.command("parse")
    def _cmd() -> int:
        raise UsageError("'reviewbot parse' is not available yet")
