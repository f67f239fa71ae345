"""Which function each line of one hunk side belongs to, from the lines themselves.

git's ``@@`` section header is only a hint: it names the last line at column 0 that
looks like a definition before the hunk, which is wrong as soon as a new function
starts inside the hunk (seed 000 names ``v9fs_begin_writeback`` for a change inside
``v9fs_issue_write``), or when that line is a label. Headers inside the hunk are found
from the code (a declarator followed by ``{`` on its own line, kernel style) and
their bodies are followed by brace depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewbot.diffparse.cparse import KEYWORDS, brace_balance

_HEAD = re.compile(r"^(?:[A-Za-z_][\w\s\*]*?[\s\*])?\**([A-Za-z_]\w*)\s*\(")
_TOPLEVEL = re.compile(r"^(?:/\*\*|static\b|struct\s+\w+\s*\{|EXPORT_SYMBOL|MODULE_|#define\b)")
_TOPLEVEL_DECL = re.compile(
    r"^(?:(?:static|const|extern)\s+)*(?:struct|union|enum)\s+\w+(?:\s+\w+)?\s*"
    r"(?:\[[^\]]*\])?\s*(?:=\s*)?\{?\s*$|^(?:EXPORT_SYMBOL|MODULE_|DEFINE_)"
)
_LABEL = re.compile(r"^[A-Za-z_]\w*:(?!:)")
# A header's parameter list spans a few lines at most.
_MAX_HEADER_LINES = 8


@dataclass(frozen=True)
class SideLine:
    text: str
    repaired: bool  # a context line whose leading whitespace was lost


def hint_name(section: str) -> str | None:
    """The function named by a ``@@`` section header, if it names one."""
    m = _HEAD.match(section.strip())
    if not m or m.group(1) in KEYWORDS:
        return None
    before = section[: m.start(1)]
    if "=" in before:
        return None
    return m.group(1)


def header_at(lines: list[SideLine], i: int) -> tuple[str, int] | None:
    """(name, row of the opening brace) if a function definition starts at row ``i``."""
    first = lines[i].text
    if not first or (first[0].isspace() and not lines[i].repaired):
        return None  # kernel definitions start at column 0
    m = _HEAD.match(first.strip() if lines[i].repaired else first)
    if not m or m.group(1) in KEYWORDS or "=" in first[: m.start(1)]:
        return None
    if first.rstrip().endswith(";"):
        return None
    depth = 0
    for j in range(i, min(len(lines), i + _MAX_HEADER_LINES)):
        t = lines[j].text
        if j > i and t.strip() == "{":
            return (m.group(1), j) if depth == 0 else None
        for c in t:
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif c in ";=" and depth == 0:
                return None
        s = t.rstrip()
        if s.endswith("{") and depth == 0:
            # "int f(void) {" is not kernel style; accept it only at column 0 in an
            # undamaged line, where macro loops like list_for_each_entry() never sit.
            return (m.group(1), j) if not lines[j].repaired and not t[0].isspace() else None
    return None


def owners(lines: list[SideLine], start_owner: str | None) -> tuple[list[str | None], str | None]:
    """Owner of each line, and the owner still open at the end (for the next hunk)."""
    out: list[str | None] = []
    code = code_only([x.text for x in lines])
    owner = start_owner
    body_depth: int | None = None  # depth inside a function whose header we saw
    pending: tuple[str, int] | None = None
    i = 0
    while i < len(lines):
        if pending is None and (body_depth is None or body_depth <= 0):
            found = header_at(lines, i)
            if found is not None:
                pending = found
                owner = found[0]
                body_depth = 0
        line = lines[i]
        if body_depth is None and owner is not None and pending is None and _starts_toplevel(line):
            owner = None  # the hint's function ended before this hunk began
        out.append(owner)
        closes, opens, _s, _e = brace_balance(code[i])
        if body_depth is not None:
            if pending is not None and i >= pending[1]:
                pending = None
            body_depth += opens - closes
            if pending is None and body_depth <= 0:
                owner, body_depth = None, None
        elif owner is not None and _closes_function(lines, i):
            owner = None
        i += 1
    return out, owner


def code_only(texts: list[str]) -> list[str]:
    """Each line with its comments blanked; block comments span lines, so that a brace
    in a multi-line comment never counts."""
    out: list[str] = []
    in_comment = False
    for text in texts:
        kept: list[str] = []
        i = 0
        while True:
            if in_comment:
                end = text.find("*/", i)
                if end < 0:
                    break
                in_comment, i = False, end + 2
                continue
            block, line = text.find("/*", i), text.find("//", i)
            if block < 0 and line < 0:
                kept.append(text[i:])
                break
            if line >= 0 and (block < 0 or line < block):
                kept.append(text[i:line])
                break
            kept.append(text[i:block])
            in_comment, i = True, block + 2
        out.append("".join(kept))
    return out


def _starts_toplevel(line: SideLine) -> bool:
    """A file-scope line: kernel function bodies are indented except for labels,
    preprocessor lines, comments and the closing brace. A repaired line lost its
    indentation, so only unmistakable declarations count there."""
    t = line.text
    if not t.strip():
        return False
    if line.repaired:
        return bool(_TOPLEVEL_DECL.match(t.strip()))
    indented_or_special = t[0].isspace() or t.startswith(("#", "}", "/*", "*", "//", "{"))
    return not (indented_or_special or _LABEL.match(t))


def _closes_function(lines: list[SideLine], i: int) -> bool:
    """The hint's function ends at a column-0 "}" (kernel style). A repaired line lost
    its column: trust its "}" only when top-level code follows."""
    line = lines[i]
    if line.text.strip() != "}":
        return False
    if line.repaired:
        return _toplevel_follows(lines, i + 1)
    return line.text.rstrip() == "}"


def _toplevel_follows(lines: list[SideLine], i: int) -> bool:
    for j in range(i, min(len(lines), i + 4)):
        t = lines[j].text.strip()
        if not t:
            continue
        return bool(_TOPLEVEL.match(t)) or header_at(lines, j) is not None
    return True
