"""Code the preprocessor always drops: ``#if 0`` blocks and the ``#else`` of ``#if 1``.

tree-sitter parses both branches of every conditional, so a wait left under ``#if 0``
would count as a wait. Such code is blanked before parsing: every character but the
line break becomes a space, so rows and line lengths still match the text. The
directives of a resolved conditional are blanked too, leaving plain C. Conditionals
on anything but a literal number are kept whole (both branches may be built).

Only what the text shows is resolved: a fragment that begins inside a block whose
``#if`` lies above the hunk is kept as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from reviewbot.model import FunctionSide

_DIRECTIVE = re.compile(r"^\s*#\s*(ifdef|ifndef|if|elif|else|endif)\b(.*)$")
_NUMBER = re.compile(r"^\(*\s*(\d+)[uUlL]*\s*\)*$")


@dataclass
class _Frame:
    state: str  # "live"/"dead": a resolved branch; "open": unresolved; "skip": in dead code
    taken: bool = False  # a resolved conditional already had its live branch


def _constant(cond: str) -> bool | None:
    m = _NUMBER.match(cond.strip())
    return None if m is None else int(m.group(1)) != 0


def _code_lines(text: str) -> list[str]:
    from reviewbot.diffparse.owners import code_only

    return code_only(text.split("\n"))


def blank_inactive(text: str) -> str:
    """``text`` with the code under a false literal condition blanked."""
    if "#" not in text:
        return text
    lines = text.split("\n")
    code = _code_lines(text)
    stack: list[_Frame] = []
    out: list[str] = []
    for raw, bare in zip(lines, code, strict=True):
        line = raw
        dead = any(f.state in ("dead", "skip") for f in stack)
        m = _DIRECTIVE.match(bare)
        blank = dead
        if m is not None:
            word, cond = m.group(1), m.group(2)
            if word in ("if", "ifdef", "ifndef"):
                value = _constant(cond) if word == "if" else None
                if dead:
                    stack.append(_Frame("skip"))
                elif value is None:
                    stack.append(_Frame("open"))
                else:
                    stack.append(_Frame("live" if value else "dead", taken=value))
                    blank = True
            elif not stack:
                pass  # its #if lies above the fragment
            elif word == "endif":
                top = stack.pop()
                blank = top.state != "open"
            elif stack[-1].state in ("live", "dead"):
                top = stack[-1]
                value = True if word == "else" else _constant(cond)
                blank = True
                if top.taken or value is False:
                    top.state = "dead"
                elif value:
                    top.state, top.taken = "live", True
                else:
                    # "#if 0 ... #elif COND": from here on an ordinary "#if COND".
                    # (Frames around a resolved one are all live: the line stays.)
                    top.state, blank = "open", False
                    line = raw.replace("elif", "if  ", 1)
        out.append(" " * len(line) if blank else line)
    return "\n".join(out)


def compiled_out_additions(side: FunctionSide) -> tuple[int, ...]:
    """Line numbers of the lines a patch adds to ``side`` that sit under ``#if 0`` (or
    the ``#else`` of ``#if 1``) within their hunk: code the compiler never sees."""
    from reviewbot.diffparse.cparse import runs_of

    numbers = side.line_numbers or tuple(
        range(side.first_line, side.first_line + len(side.text.split("\n")))
    )
    out: list[int] = []
    at = 0
    for run in runs_of(side):
        blanked = blank_inactive("\n".join(run)).split("\n")
        for k, (line, kept) in enumerate(zip(run, blanked, strict=True)):
            i = at + k
            directive = _DIRECTIVE.match(line) is not None
            if (
                i < len(side.line_kinds)
                and side.line_kinds[i] == "added"
                and line.strip()
                and not kept.strip()
                and not directive
            ):
                out.append(numbers[i])
        at += len(run)
    return tuple(out)
