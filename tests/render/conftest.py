"""Until the engine's trace renderer lands, give the renderers a minimal stand-in so
their tests run; the real ``reviewbot.sim.trace`` is used as soon as it exists."""

from __future__ import annotations

import importlib
import sys
import types

from reviewbot.model import PropertyResult, SimResult


def _columns(result: SimResult, prop: PropertyResult, width: int = 78) -> str:
    cols = list(result.threads)
    names = [c.split("(")[-1].rstrip(")") for c in cols]
    w = max(1, width // max(1, len(cols)))
    lines = ["".join(c.ljust(w) for c in cols).rstrip()]
    for step in prop.trace:
        i = names.index(step.thread) if step.thread in names else 0
        text = step.label + (f"   {step.note}" if step.note else "")
        lines.append((" " * (w * i) + text).rstrip())
    return "\n".join(lines)


try:
    importlib.import_module("reviewbot.sim.trace")
except ImportError:
    fake = types.ModuleType("reviewbot.sim.trace")
    fake.render_columns = _columns  # type: ignore[attr-defined]
    sys.modules["reviewbot.sim.trace"] = fake
