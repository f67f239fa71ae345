"""`reviewbot watch` (placeholder until its issue lands)."""

from __future__ import annotations

import typer

from reviewbot.errors import UsageError


def register(app: typer.Typer) -> None:
    @app.command("watch")
    def _cmd() -> int:
        raise UsageError("'reviewbot watch' is not available yet")
