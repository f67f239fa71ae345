"""Replay strings: ``SCENARIO:KNOB=VALUE,...:SCHEDULE:DIGEST``.

The schedule names threads by letter (A = the first thread) with a repeat count after
a letter that runs more than once in a row: ``A3BA2`` is A A A B A A. Every knob is
written out (defaults included), so the string alone reproduces the run even if the
scenario's defaults change later. DIGEST is the model digest (reviewbot.sim.digest:
ten hex digits over the compiled model's structure), so a string pasted from a mail
weeks later is refused instead of replaying a different interleaving once the scenario
has changed. Example::

    flags-rmw:atomic=no,bits=two:AB2A:3f9c01d2ab

The string is one token of shell-safe characters (no spaces, no quotes) so it survives
mail line wrapping and needs no quoting. Strings made before digests existed have three
fields; they still parse, with ``digest == ""``, and replay warns that they cannot be
checked. Nothing in a string depends on hashing or on the process.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reviewbot.errors import UsageError
from reviewbot.sim.digest import DIGEST_LEN

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_RUN = re.compile(r"([A-Z])(\d*)")
_DIGEST = re.compile(rf"[0-9a-f]{{{DIGEST_LEN}}}")
_FORMAT = "SCENARIO:KNOB=VALUE,...:SCHEDULE:DIGEST"


@dataclass(frozen=True)
class Replay:
    """A decoded replay string."""

    scenario: str
    knobs: tuple[tuple[str, str], ...]  # in the order written (sorted by encode)
    schedule: tuple[int, ...]  # thread index per step
    digest: str  # "" for a three-field string from before digests


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


def encode(scenario: str, knobs: Mapping[str, str], schedule: Sequence[int], digest: str) -> str:
    if not _DIGEST.fullmatch(digest):
        raise ValueError(f"not a model digest: {digest!r}")  # a caller bug, not user input
    kv = ",".join(f"{k}={v}" for k, v in sorted(knobs.items()))
    return f"{scenario}:{kv}:{encode_schedule(schedule)}:{digest}"


def parse(text: str) -> Replay:
    """Decode a replay string of three (old) or four fields; UsageError if malformed."""
    parts = text.strip().split(":")
    if len(parts) not in (3, 4):
        raise UsageError(f"bad replay string {_short(text)!r}", hint=f"expected {_FORMAT}")
    scenario, kv, sched = parts[:3]
    digest = parts[3] if len(parts) == 4 else ""
    if len(parts) == 4 and not _DIGEST.fullmatch(digest):
        raise UsageError(
            f"bad model digest {_short(digest)!r} in replay string",
            hint=f"expected {DIGEST_LEN} lowercase hex digits after the last ':'",
        )
    if not scenario:
        raise UsageError("replay string names no scenario", hint=f"expected {_FORMAT}")
    knobs: list[tuple[str, str]] = []
    for item in filter(None, kv.split(",")):
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise UsageError(
                f"bad knob {_short(item)!r} in replay string", hint="expected NAME=VALUE"
            )
        if any(n == name for n, _v in knobs):
            raise UsageError(f"knob {_short(name)!r} appears twice in the replay string")
        knobs.append((name, value))
    return Replay(scenario, tuple(knobs), tuple(decode_schedule(sched)), digest)


def _short(text: str) -> str:
    """Pasted text can be a whole mail: keep the error to one readable line."""
    return text if len(text) <= 80 else text[:77] + "..."
