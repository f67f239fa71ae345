"""Find the diff in a message body: inline, attached, or quoted by a reviewer.

Also detects text whose newlines were collapsed (web copies) and keeps what survives
of such text for a degraded analysis: files, ``@@`` function names and calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from reviewbot.diffparse.cparse import KEYWORDS
from reviewbot.model import Recovered

_FILE_START = re.compile(r"^(?:diff --git |--- (?:a/|/dev/null)|Index: )")
_QUOTE = re.compile(r"^((?:> ?)+)")
_DIFFISH = re.compile(r"^(?:diff --git |@@ -\d|--- a/|\+\+\+ b/)")
_BARE_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@")
_STAT = re.compile(r"^\s*\S+\s+\|\s+(?:\d+ ?[-+]*|Bin)|^\s*\d+ files? changed")
# Collapsed text: a "line" this long is prose or code that lost its line breaks.
COLLAPSED_LINE = 1500
_INLINE_DIFF = re.compile(r"\s(?:@@ -\d|diff --git |\+\+\+ b/|--- a/)")
_C_FILE = re.compile(r"(?<![\w/.-])(?:[ab]/)?((?:[\w.-]+/)+[\w.-]+\.(?:c|h|S|rs|rst|txt))\b")
_HUNK_FUNC = re.compile(
    r"@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@ ([^@(;:=}]{0,120}?)\b([A-Za-z_]\w*)\s*\("
)
_DEF = re.compile(
    r"(?:^|[\s;}+-])(?:static\s+|inline\s+|noinline\s+)*"
    r"[A-Za-z_]\w*[\s*]+\**([A-Za-z_]\w*)\s*\([^;(){}]*\)\s*(?:[-+]\s*)?\{"
)
_CALL = re.compile(r"\b([A-Za-z_]\w*)\((?![-+]\))")  # code writes "f(x)", prose "word (x)"


@dataclass(frozen=True)
class Located:
    prose: str  # text before the diff (the commit message and any reply text)
    diff_lines: list[str]  # from the first diff line to the end of that text
    quoted: bool  # the diff was quoted with "> " (a reply)


def is_collapsed(body: str) -> bool:
    """Line breaks turned into spaces: almost no lines for the length, or a very long
    line that carries diff markers in its middle. A patch that adds one long line (a
    table, a string) is not collapsed."""
    lines = body.split("\n")
    if any(len(x) > COLLAPSED_LINE and _INLINE_DIFF.search(x) for x in lines):
        return True
    # Prose paragraphs run together: long lines holding many sentences.
    prose = sum(len(x) for x in lines if len(x) > 400 and x.count(". ") >= 5)
    return len(body) > 1000 and prose * 2 > len(body)


def locate(body: str) -> Located | None:
    """The inline diff, else a diff quoted in a reply; None when there is no diff."""
    lines = body.split("\n")
    start = _first_file(lines)
    if start is not None:
        return Located(_prose(lines[:start]), lines[start:], False)
    unquoted = _unquote(lines)
    if unquoted is not None:
        start = _first_file(unquoted)
        if start is not None:
            prose = [x for x in lines if not _QUOTE.match(x)]
            return Located(_prose(prose), unquoted[start:], True)
    return None


def _first_file(lines: list[str]) -> int | None:
    """Index of the first file header, or of an earlier bare hunk (a reviewer often
    snips the file header of the first hunk they quote)."""
    first: int | None = None
    for i, line in enumerate(lines):
        if not _FILE_START.match(line):
            continue
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.startswith(("diff --git ", "Index: ")) or nxt.startswith("+++ "):
            first = i
            break
    for i, line in enumerate(lines[: first if first is not None else len(lines)]):
        if _BARE_HUNK.match(line):
            return i
    return first


def _unquote(lines: list[str]) -> list[str] | None:
    """The quoted lines at the quote depth that carries the diff, with quoting removed."""
    depths: dict[int, int] = {}
    for line in lines:
        m = _QUOTE.match(line)
        if m and _DIFFISH.match(line[m.end() :]):
            d = m.group(1).count(">")
            depths[d] = depths.get(d, 0) + 1
    if not depths:
        return None
    depth = max(depths, key=lambda d: depths[d])
    out: list[str] = []
    for line in lines:
        m = _QUOTE.match(line)
        if not m or m.group(1).count(">") != depth:
            continue
        # Strip exactly `depth` quote marks, each with at most one following space.
        rest = line
        for _ in range(depth):
            rest = rest.lstrip(" \t")[1:] if rest.lstrip(" \t").startswith(">") else rest
            if rest.startswith(" "):
                rest = rest[1:]
        out.append(rest)
    return out


def _prose(lines: list[str]) -> str:
    """The commit message: text above the diff, without the ``---`` line and diffstat."""
    end = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].rstrip() == "---":
            end = i
            break
    kept = [x for x in lines[:end] if not _STAT.match(x)]
    return "\n".join(kept).strip("\n")


def recover(text: str) -> Recovered:
    """What survives of text without a usable diff, for a degraded analysis."""
    # Collapsed replies keep their "> " quote marks inline; they would split code apart.
    text = re.sub(r"(?<!\S)>+(?=\s)", " ", text)
    files = _unique(m.group(1) for m in _C_FILE.finditer(text))
    funcs = _unique(
        [m.group(2) for m in _HUNK_FUNC.finditer(text) if m.group(2) not in KEYWORDS]
        + [m.group(1) for m in _DEF.finditer(text) if m.group(1) not in KEYWORDS]
    )
    calls = _unique(
        m.group(1)
        for m in _CALL.finditer(text)
        if m.group(1) not in KEYWORDS and len(m.group(1)) > 2
    )
    cut = re.search(r"(?:^|\s)(?:---\s|diff --git )", text)
    message = text[: cut.start()] if cut else text
    return Recovered(files=files, functions=funcs, calls=calls, commit_message=message.strip())


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for x in items:
        seen.setdefault(x, None)
    return tuple(seen)
