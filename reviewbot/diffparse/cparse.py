"""tree-sitter-c over whole files and over hunk fragments.

A fragment of a function (what a hunk shows) is not valid C on its own. It is wrapped
in a dummy function, with one ``if (1) {`` per ``}`` that closes a block opened before
the fragment and one ``}`` per block left open, a ``/*`` when it starts inside a comment
and a ``*/`` when it ends inside one. Kernel annotations that confuse the grammar
(``__maybe_unused``, ``__acquires(x)``, ...) and code under ``#if 0`` (``inactive``) are
blanked with spaces of the same length, so rows and columns of the wrapped text still
match the fragment's.

tree-sitter is imported lazily: ``reviewbot check`` must start fast.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from reviewbot.diffparse.inactive import blank_inactive
from reviewbot.model import FunctionSide, LineKind

if TYPE_CHECKING:
    from tree_sitter import Node, Tree

_ANNOTATIONS = re.compile(
    r"\b(?:__maybe_unused|__always_unused|__must_check|__always_inline|noinline|__cold|__hot"
    r"|__user|__iomem|__rcu|__percpu|__force|__init|__exit|__initdata|__read_mostly"
    r"|__ro_after_init|__visible|asmlinkage|notrace|__noreturn|__nocfi|__counted_by\(\w*\)"
    r"|__acquires\([^()\n]*\)|__releases\([^()\n]*\)|__must_hold\([^()\n]*\)"
    r"|__printf\(\s*\d+\s*,\s*\d+\s*\)|__attribute__\s*\(\([^\n]*?\)\))"
)
WRAP_NAME = "__reviewbot_fragment"


# Words followed by "(" in C that never name a function being defined or called:
# keywords, and the branch-hint macros that wrap conditions.
KEYWORDS = frozenset(
    [
        "if",
        "for",
        "while",
        "switch",
        "return",
        "sizeof",
        "typeof",
        "__typeof__",
        "do",
        "else",
        "case",
        "goto",
        "defined",
        "likely",
        "unlikely",
        "__builtin_expect",
    ]
)


@dataclass(frozen=True)
class ParsedSide:
    """A parsed function side; rows of ``tree`` map back to real file lines."""

    tree: Tree
    source: bytes  # the text tree-sitter parsed (wrapped, annotations blanked)
    rows: tuple[int | None, ...]  # per tree row: index into the side's lines, None = wrapper
    line_numbers: tuple[int, ...]  # real file line of each line of the side's text
    line_kinds: tuple[LineKind, ...]

    def line_of(self, row: int) -> int | None:
        """Real file line of a tree row; None for rows the wrapper added."""
        i = self.rows[row] if 0 <= row < len(self.rows) else None
        return None if i is None else self.line_numbers[i]

    def kind_of(self, row: int) -> LineKind | None:
        i = self.rows[row] if 0 <= row < len(self.rows) else None
        return None if i is None else self.line_kinds[i]

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")


@lru_cache(maxsize=1)
def language() -> Any:
    import tree_sitter_c
    from tree_sitter import Language

    return Language(tree_sitter_c.language())


@lru_cache(maxsize=1)
def parser() -> Any:
    from tree_sitter import Parser

    return Parser(language())


def blank_annotations(text: str) -> str:
    return _ANNOTATIONS.sub(lambda m: " " * len(m.group(0)), text)


_TOKEN = re.compile(r"/\*|\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"?|'(?:\\.|[^'\\\n])*'?|[{}]")


def brace_balance(text: str) -> tuple[int, int, bool, bool]:
    """(closes before any open, opens left at the end, starts in comment, ends in comment),
    skipping comments, strings and character literals."""
    depth = low = 0
    in_comment = starts_in_comment = False
    i = 0
    # "*/" before any "/*" is never code: the fragment began inside a block comment,
    # and everything up to it (braces included) is comment text.
    close, open_ = text.find("*/"), text.find("/*")
    if close >= 0 and (open_ < 0 or close < open_):
        starts_in_comment, i = True, close + 2
    while True:
        if in_comment:
            end = text.find("*/", i)
            if end < 0:
                break
            in_comment, i = False, end + 2
            continue
        m = _TOKEN.search(text, i)
        if m is None:
            break
        tok, i = m.group(), m.end()
        if tok == "/*":
            in_comment = True
        elif tok == "{":
            depth += 1
        elif tok == "}":
            depth -= 1
            low = min(low, depth)
    return -low, depth - low, starts_in_comment, in_comment


# a definition whose return type sits on the line above (xfs's "STATIC ssize_t"
# style) starts at its name: tree-sitter then sees no declarator and no parameters
NAME_FIRST = re.compile(r"\s*(?!(?:if|for|while|switch|return|sizeof|do)\b)[A-Za-z_]\w*\s*\(")


def wrap(
    runs: list[list[str]], *, whole: bool, head: str = ""
) -> tuple[bytes, tuple[int | None, ...]]:
    """Parseable source for runs of consecutive lines, and its row -> line index map.

    Each run (the lines of one hunk) is balanced on its own, so that a brace left open
    by one hunk (an initializer, a block cut by the hunk's end) cannot swallow the
    next hunk's statements. ``whole``: the first run starts with the function header,
    or finishes the one ``head`` (a line outside the text) starts.
    """
    out: list[str] = []
    rows: list[int | None] = []
    index = 0

    def emit(text: str, idx: int | None) -> None:
        out.append(text)
        rows.append(idx)

    if head:
        emit(blank_annotations(head), None)
    elif whole and runs and runs[0] and NAME_FIRST.match(runs[0][0]):
        # the return type is on the line above the text (xfs's "STATIC ssize_t"):
        # without one tree-sitter sees no function declarator and no parameters
        emit("int", None)
    if not whole:
        emit(f"void {WRAP_NAME}(void) {{", None)
    for k, run in enumerate(runs):
        text = blank_inactive(blank_annotations("\n".join(run)))
        closes, opens, starts_in_comment, ends_in_comment = brace_balance(text)
        at_top = whole and k == 0
        if (closes and not at_top) or starts_in_comment:
            emit(
                ("if (1) {" * closes if not at_top else "") + ("/*" if starts_in_comment else ""),
                None,
            )
        for line in text.split("\n"):
            emit(line, index)
            index += 1
        if ends_in_comment:
            emit("*/", None)
        if opens:
            # "};" also closes an initializer; after a block it is an empty statement.
            emit("};" * opens, None)
    if not whole:
        emit("}", None)
    return ("\n".join(out) + "\n").encode("utf-8", "replace"), tuple(rows)


def starts_with_header(side: FunctionSide) -> bool:
    """The side's text contains its function's header (so no dummy wrapper is needed)."""
    if side.complete or side.signature_head:
        return True
    pat = re.compile(rf"^[^=;(\n]*\b{re.escape(side.name)}\s*\(", re.MULTILINE)
    m = pat.search(side.text)
    if m is None:
        return False
    before = side.text[: m.start()]
    return ";" not in before and "{" not in before and "}" not in before


def runs_of(side: FunctionSide) -> list[list[str]]:
    """The side's lines split where line numbers jump (one run per hunk)."""
    lines = side.text.split("\n")
    numbers = side.line_numbers or tuple(range(side.first_line, side.first_line + len(lines)))
    runs: list[list[str]] = []
    prev: int | None = None
    for line, num in zip(lines, numbers, strict=False):
        if prev is None or num != prev + 1:
            runs.append([])
        runs[-1].append(line)
        prev = num
    return runs


def parse_side(side: FunctionSide) -> ParsedSide:
    """Parse a FunctionSide (fragment or whole function) for tree-sitter queries."""
    source, rows = wrap(runs_of(side), whole=starts_with_header(side), head=side.signature_head)
    n = len(side.text.split("\n"))
    numbers = side.line_numbers or tuple(range(side.first_line, side.first_line + n))
    kinds = side.line_kinds or tuple("context" for _ in range(n))
    return ParsedSide(parser().parse(source), source, rows, numbers, kinds)
