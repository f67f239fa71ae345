"""What a role test or fact extractor sees: one side of one function, plus its peers.

A ``SideView`` is one side (before/after) of one changed function, parsed into a
``cst.Body``, with the other functions of the same side of the same patch (``peers``) so
that an extractor can look through a helper or a macro the patch also shows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from reviewbot.model import ChangedFunction, FunctionSide, LineKind, Side
from reviewbot.rules.cst import Body, CallSite, params_from_hint, parse_body, side_body

_MACRO = re.compile(r"^\s*#\s*define\s+(\w+)\(([^)]*)\)\s+(.+)$")
_CONST = re.compile(r"^\s*#\s*define\s+(\w+)\s+\S")
# Peers whose name starts with this are not functions: each holds one run of adjacent
# object-like #defines the side shows (a flags word's bit definitions), as calls
# ``__define(NAME)``, so an extractor can tell which flag values a word can take.
DEFINES = "#defines:"


@dataclass(frozen=True)
class Observed:
    """A fact value read from code: the value, a sentence, and the rows it rests on."""

    value: str
    text: str
    rows: tuple[int, ...] = ()  # rows in the side's text that support the value
    via: str = ""  # helper or callee the value was read through, if any
    # False: the value fills the knob, but is not enough on its own to make the rule
    # report (e.g. "no flush call" for a rule about flush calls).
    decisive: bool = True
    # True: read from the lines shown while lines that could change it are not shown
    # (the top of the function, a helper's body); the text says which
    partial: bool = False


@dataclass(frozen=True)
class SideView:
    fn: ChangedFunction
    side: Side
    fs: FunctionSide
    body: Body
    peers: Mapping[str, Body] = field(default_factory=dict)
    # What the patch shows of the function's file beyond the function (its hunks, both
    # sides): for evidence about the file as a whole, never for the function's facts.
    file_text: str = ""
    # The other side's peers, so that evidence about the function as a whole can look
    # through a helper only that side calls (a new helper the patch adds).
    other_peers: Mapping[str, Body] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.fs.name or self.fn.name

    @property
    def params(self) -> tuple[str, ...]:
        return self.body.params or params_from_hint(self.fn.header_hint)

    def line_of(self, row: int) -> int | None:
        if row < 0 or row >= len(self.fs.line_kinds):
            return None
        numbers = self.fs.line_numbers
        if numbers and row < len(numbers):
            return numbers[row]  # fragments of several hunks have gaps
        return self.fs.first_line + row

    def kind_of(self, row: int) -> LineKind:
        if 0 <= row < len(self.fs.line_kinds):
            return self.fs.line_kinds[row]
        return "context"

    def callee(self, call: CallSite) -> Body | None:
        """The body of a called helper/macro, if this side of the patch shows it."""
        return self.peers.get(call.name)


def view(
    fn: ChangedFunction,
    side: Side,
    peers: Mapping[str, Body],
    file_text: str = "",
    other_peers: Mapping[str, Body] | None = None,
) -> SideView | None:
    fs = fn.before if side == "before" else fn.after
    if fs is None:
        return None
    return SideView(
        fn=fn,
        side=side,
        fs=fs,
        body=side_body(fs),
        peers=peers,
        file_text=file_text,
        other_peers=other_peers or {},
    )


def peers_of(
    functions: tuple[ChangedFunction, ...], side: Side, extra: str = ""
) -> dict[str, Body]:
    """Bodies of every function on one side, plus function-like macros found in ``extra``
    (hunk text or a whole source file), keyed by name."""
    out: dict[str, Body] = {}
    for fn in functions:
        fs = fn.before if side == "before" else fn.after
        if fs is not None:
            out[fs.name or fn.name] = side_body(fs)
    block: list[str] = []
    blocks: list[list[str]] = [block]
    for raw in _joined_lines(extra):
        line = raw
        if raw[:1] in ("+", "-") and not raw.startswith(("+++", "---")):
            # a diff line: "+" lines exist only after the patch, "-" lines only before
            if (raw[0] == "+") != (side == "after"):
                continue
            line = raw[1:]
        elif raw[:1] == " ":
            line = raw[1:]
        m = _MACRO.match(line)
        if m and m.group(1) not in out:
            out[m.group(1)] = parse_body(f"void {m.group(1)}(void)\n{{\n{m.group(3)};\n}}\n")
        c = None if m else _CONST.match(line)
        if c:
            block.append(c.group(1))
        elif block:
            block = []
            blocks.append(block)
    for i, names in enumerate(b for b in blocks if b):
        calls = "".join(f"__define({n});\n" for n in names)
        out[f"{DEFINES}{i}"] = parse_body(f"void defines(void)\n{{\n{calls}}}\n")
    return out


def _joined_lines(text: str) -> list[str]:
    return text.replace("\\\n", " ").splitlines()
