"""Shared helpers for the diffparse tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from reviewbot.diffparse import extract_patch
from reviewbot.mail import load, parse_message
from reviewbot.model import Patch

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "patches"


def patches(name: str) -> list[Patch]:
    return [extract_patch(m) for m in load(str(FIX / name)).messages]


def patch_of(text: str) -> Patch:
    return extract_patch(parse_message(text.encode(), "test"))


def synthetic() -> ModuleType:
    """fixtures/patches/make_synthetic.py, the documented generator of huge inputs."""
    spec = importlib.util.spec_from_file_location("make_synthetic", FIX / "make_synthetic.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod
