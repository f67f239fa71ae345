"""`reviewbot sim` (placeholder until its issue lands)."""

from __future__ import annotations

import typer

from reviewbot.errors import UsageError


def register(app: typer.Typer) -> None:
    @app.command("sim")
    def _cmd() -> int:
        raise UsageError("'reviewbot sim' is not available yet")
