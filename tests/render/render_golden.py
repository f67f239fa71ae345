"""Golden-file helper: compare bytes, or rewrite them with REVIEWBOT_UPDATE_GOLDEN=1."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


def check(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if os.environ.get("REVIEWBOT_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    if not path.exists():
        pytest.fail(f"no golden file {path}; create it with REVIEWBOT_UPDATE_GOLDEN=1")
    want = path.read_bytes()
    if want != data:
        diff = difflib.unified_diff(
            want.decode("utf-8", "replace").splitlines(),
            data.decode("utf-8", "replace").splitlines(),
            str(path),
            "rendered",
            lineterm="",
        )
        pytest.fail("draft differs from its golden file:\n" + "\n".join(list(diff)[:80]))
