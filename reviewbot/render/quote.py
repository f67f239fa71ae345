"""Which lines of a patch a draft quotes, and where each finding goes.

A reviewer quotes only the hunks that carry comments, a few lines above each comment,
exactly as the lines were posted, and marks cuts with ``[ ... ]``. This module decides
that; the templates only print the result.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from reviewbot.diffparse.repair import UNKNOWN_FILE
from reviewbot.model import DiffLine, FileChange, Finding, Hunk, Patch

CONTEXT = 5  # lines quoted above the line a finding is about
RUN_TAIL = 8  # at most this many more lines of the same change below it
COMMIT_LINES = 6  # lines of the commit message quoted when there is no diff
CUT = "[ ... ]"
PROSE_WIDTH = 72


@dataclass(frozen=True)
class Section:
    """Quoted lines (already with their ``> ``), then the findings about them."""

    quoted: tuple[str, ...]
    findings: tuple[Finding, ...]
    where: str = ""  # "fs/9p/vfs_inode.c, v9fs_evict_inode()" for unquoted findings


@dataclass(frozen=True)
class _Anchor:
    file_idx: int
    hunk_idx: int
    line_idx: int


def place(file: str, line: int | None) -> str:
    """'fs/x.c:12'. A hunk quoted without its file header has no file name (the
    parser's placeholder path), and a made-up name must not read as a real path."""
    if file == UNKNOWN_FILE:
        return "(no file header)" + (f", line {line}" if line is not None else "")
    if file:
        return f"{file}:{line}" if line is not None else file
    return f"line {line}" if line is not None else ""


def quote_line(line: DiffLine) -> str:
    posted = line.posted or {"context": " ", "added": "+", "removed": "-"}[line.kind] + line.text
    posted = posted.rstrip("\r\n")  # a CRLF mail's line end is not part of the line
    return f"> {posted}" if posted.strip() else ">"


def _hunk_header(h: Hunk) -> str:
    return f"> @@ -{h.old_start},{h.old_count} +{h.new_start},{h.new_count} @@ {h.section}".rstrip()


def _file_header(fc: FileChange) -> str:
    old = fc.old_path or fc.new_path or ""
    new = fc.new_path or fc.old_path or ""
    return f"> diff --git a/{old} b/{new}"


def _find_file(patch: Patch, path: str) -> int | None:
    for i, fc in enumerate(patch.files):
        if path and path in (fc.new_path, fc.old_path):
            return i
    return None


def _line_index(h: Hunk, f: Finding) -> int | None:
    if f.line is None:
        return None
    for i, dl in enumerate(h.lines):
        if dl.new_lineno == f.line and dl.kind != "removed":
            return i
    for i, dl in enumerate(h.lines):
        if dl.old_lineno == f.line and dl.kind == "removed":
            return i
    return None


def _first_change_end(h: Hunk) -> int:
    """Index of the last line of the hunk's first run of changed lines."""
    start = next((i for i, dl in enumerate(h.lines) if dl.kind != "context"), 0)
    end = start
    while end + 1 < len(h.lines) and h.lines[end + 1].kind != "context":
        end += 1
    return end


def _locate(patch: Patch, f: Finding) -> _Anchor | None:
    if f.facts and all(x.basis == "description" for x in f.facts):
        return None  # read from the prose: no line of the diff carries it
    fi = _find_file(patch, f.file)
    if fi is None:
        return None
    hunks = patch.files[fi].hunks
    if not hunks:
        return None
    candidates = [f.hunk] if f.hunk is not None and 0 <= f.hunk < len(hunks) else []
    candidates += [i for i in range(len(hunks)) if i not in candidates]
    for hi in candidates:
        li = _line_index(hunks[hi], f)
        if li is not None:
            return _Anchor(fi, hi, li)
    if candidates and (f.hunk is not None or f.line is None):
        hi = candidates[0]
        return _Anchor(fi, hi, _first_change_end(hunks[hi]))
    return None


def _segment_end(h: Hunk, idx: int) -> int:
    """Extend a finding's line to the end of the change it belongs to (bounded)."""
    end = idx
    if h.lines[idx].kind == "context":
        return end
    while end + 1 < len(h.lines) and h.lines[end + 1].kind != "context" and end < idx + RUN_TAIL:
        end += 1
    return end


def sections(patch: Patch, findings: tuple[Finding, ...]) -> tuple[Section, ...]:
    """Group findings under the patch lines they concern, in patch order."""
    located: dict[tuple[int, int, int], list[Finding]] = {}
    loose: list[Finding] = []
    for f in findings:
        anchor = _locate(patch, f)
        if anchor is None:
            loose.append(f)
        else:
            key = (anchor.file_idx, anchor.hunk_idx, anchor.line_idx)
            located.setdefault(key, []).append(f)

    out: list[Section] = []
    last_file = last_hunk = -1
    prev_end = -1
    for fi, hi, li in sorted(located):
        fc = patch.files[fi]
        h = fc.hunks[hi]
        lines: list[str] = []
        if fi != last_file:
            if fc.path != UNKNOWN_FILE:  # quote only what was posted
                lines.append(_file_header(fc))
            last_file, last_hunk = fi, -1
        if hi != last_hunk:
            lines.append(_hunk_header(h))
            last_hunk, prev_end = hi, -1
        end = max(_segment_end(h, li), prev_end)
        start = max(li - CONTEXT, prev_end + 1)
        if start > prev_end + 1:
            lines.append(CUT)
        lines.extend(quote_line(dl) for dl in h.lines[start : end + 1])
        prev_end = end
        out.append(Section(tuple(lines), tuple(located[(fi, hi, li)])))

    if loose:
        out.append(_loose_section(patch, tuple(loose), quote_commit=not out))
    return tuple(out)


def _loose_section(patch: Patch, findings: tuple[Finding, ...], *, quote_commit: bool) -> Section:
    """Findings that no hunk line carries (no diff, a damaged diff, an unchanged
    callee): when nothing else is quoted, quote the start of the commit message."""
    quoted: list[str] = []
    if quote_commit:
        text = patch.commit_message or (patch.recovered.commit_message if patch.recovered else "")
        lines = _prose_lines(text)
        for ln in lines[:COMMIT_LINES]:
            quoted.append(f"> {ln}" if ln.strip() else ">")
        if len(lines) > COMMIT_LINES:
            quoted.append(CUT)
    places = sorted({_where(f) for f in findings if _where(f)})
    return Section(tuple(quoted), findings, where="; ".join(places))


def _prose_lines(text: str) -> list[str]:
    """The commit message's lines; a line far longer than a mail line is prose whose
    newlines were lost (web copies), so it is refilled rather than quoted as one line."""
    out: list[str] = []
    for raw in text.strip("\n").splitlines():
        line = raw.rstrip()
        if len(line) > 2 * PROSE_WIDTH:
            out.extend(textwrap.wrap(line, PROSE_WIDTH, break_long_words=False))
        else:
            out.append(line)
    return out


def _where(f: Finding) -> str:
    file = place(f.file, None)
    if file and f.function:
        return f"{file}, {f.function}()"
    return file or (f"{f.function}()" if f.function else "")
