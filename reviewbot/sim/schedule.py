"""Replay strings: ``SCENARIO:KNOB=VALUE,...:SCHEDULE``.

The schedule names threads by letter (A = the first thread) with a repeat count after
a letter that runs more than once in a row: ``A3BA2`` is A A A B A A. Every knob is
written out (defaults included), so the string alone reproduces the run even if the
scenario's defaults change later. Nothing in it depends on hashing or on the process.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from reviewbot.errors import UsageError

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_RUN = re.compile(r"([A-Z])(\d*)")


def encode_schedule(schedule: Sequence[int]) -> str:
    out: list[str] = []
    i = 0
    while i < len(schedule):
        j = i
        while j < len(schedule) and schedule[j] == schedule[i]:
            j += 1
        out.append(_LETTERS[schedule[i]] + (str(j - i) if j - i > 1 else ""))
        i = j
    return "".join(out)


def decode_schedule(text: str) -> list[int]:
    if text and not re.fullmatch(r"(?:[A-Z]\d*)+", text):
        raise UsageError(f"bad schedule {text!r} in replay string", hint="expected e.g. A3BA2")
    out: list[int] = []
    for letter, count in _RUN.findall(text):
        n = int(count) if count else 1
        if n < 1 or n > 100_000:
            raise UsageError(f"bad repeat count {count} in replay schedule")
        out.extend([_LETTERS.index(letter)] * n)
    return out


def encode(scenario: str, knobs: Mapping[str, str], schedule: Sequence[int]) -> str:
    kv = ",".join(f"{k}={v}" for k, v in sorted(knobs.items()))
    return f"{scenario}:{kv}:{encode_schedule(schedule)}"


def decode(text: str) -> tuple[str, dict[str, str], list[int]]:
    parts = text.strip().split(":")
    if len(parts) != 3:
        raise UsageError(
            f"bad replay string {text!r}", hint="expected SCENARIO:KNOB=VALUE,...:SCHEDULE"
        )
    scenario, kv, sched = parts
    knobs: dict[str, str] = {}
    for item in filter(None, kv.split(",")):
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise UsageError(f"bad knob {item!r} in replay string", hint="expected NAME=VALUE")
        knobs[name] = value
    return scenario, knobs, decode_schedule(sched)
