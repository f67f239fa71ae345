"""Walk a diff as posted and rebuild a canonical unified diff, repairing damage.

The ``@@ -a,b +c,d @@`` counts say exactly how many pre- and post-image lines a hunk
holds. Web copies and some mailers strip the leading space of context lines (and every
other leading blank); while a hunk still owes lines, a line that starts with neither
``+``, ``-``, space nor ``\\`` is such a context line and gets its space back. A hunk
that ends before its counts are met (a reviewer snipped a quoted patch) is closed with
the counts it really has, and said so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reviewbot.model import Diagnostic

UNKNOWN_FILE = "(unknown)"
HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")
_HEADER_PREFIXES = (
    "diff --git ",
    "index ",
    "old mode ",
    "new mode ",
    "deleted file mode ",
    "new file mode ",
    "similarity index ",
    "dissimilarity index ",
    "rename from ",
    "rename to ",
    "copy from ",
    "copy to ",
    "Binary files ",
)


@dataclass
class ScannedHunk:
    header: str  # canonical "@@ -a,b +c,d @@ section"
    old_start: int
    new_start: int
    section: str
    lines: list[str] = field(default_factory=list)  # canonical "+x" / "-x" / " x"
    posted: list[str] = field(default_factory=list)  # as it appeared
    repaired: int = 0  # context lines that got their space back
    truncated: bool = False


@dataclass
class ScannedFile:
    headers: list[str] = field(default_factory=list)
    hunks: list[ScannedHunk] = field(default_factory=list)
    binary: bool = False


@dataclass
class Scan:
    files: list[ScannedFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def canonical(self) -> str:
        """A unified diff unidiff parses, with the counts each hunk really has."""
        out: list[str] = []
        for f in self.files:
            out.extend(f.headers)
            for h in f.hunks:
                old = sum(1 for x in h.lines if x[:1] in " -")
                new = sum(1 for x in h.lines if x[:1] in " +")
                out.append(f"@@ -{h.old_start},{old} +{h.new_start},{new} @@ {h.section}".rstrip())
                out.extend(h.lines)
        return "\n".join(out) + "\n" if out else ""


def _starts_file(line: str, nxt: str) -> bool:
    return line.startswith("diff --git ") or (
        line.startswith("--- ") and nxt.startswith("+++ ") and not line.startswith("--- -")
    )


def scan(lines: list[str], where: str = "") -> Scan:
    """Rebuild the files and hunks of ``lines`` (which start at the first diff line)."""
    result = Scan()
    cur: ScannedFile | None = None
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < n else ""
        if line.startswith("diff --git ") or (cur is None and _starts_file(line, nxt)):
            cur = ScannedFile()
            result.files.append(cur)
        elif cur is None and HUNK_RE.match(line):
            # A hunk quoted without its file header: the file is unknown, not guessed.
            cur = ScannedFile(headers=[f"--- a/{UNKNOWN_FILE}", f"+++ b/{UNKNOWN_FILE}"])
            result.files.append(cur)
        if cur is None:
            i += 1
            continue
        if line.startswith("@@ "):
            m = HUNK_RE.match(line)
            if m is None:
                result.diagnostics.append(
                    Diagnostic(
                        "bad-hunk-header", f"unreadable hunk header {line[:60]!r}", "warning", where
                    )
                )
                i += 1
                continue
            i = _hunk(lines, i, m, cur=cur, result=result, where=where)
            continue
        if line.startswith("GIT binary patch"):
            cur.binary = True
            i += 1
            while i < n and lines[i].strip():
                i += 1
            continue
        if line.startswith(_HEADER_PREFIXES) or line.startswith(("--- ", "+++ ")):
            if line.startswith(("--- ", "+++ ")) and cur.hunks:
                # A new file without "diff --git" (plain `diff -u` output).
                cur = ScannedFile()
                result.files.append(cur)
            cur.headers.append(line)
        elif line.rstrip() == "--":
            break  # signature ("-- ", often stripped to "--"): the patch is over
        i += 1
    return result


def _hunk(
    lines: list[str], i: int, m: re.Match[str], *, cur: ScannedFile, result: Scan, where: str
) -> int:
    old_left = int(m.group(2)) if m.group(2) is not None else 1
    new_left = int(m.group(4)) if m.group(4) is not None else 1
    h = ScannedHunk(
        header=lines[i],
        old_start=int(m.group(1)),
        new_start=int(m.group(3)),
        section=m.group(5).strip(),
    )
    cur.hunks.append(h)
    i += 1
    n = len(lines)
    while i < n and (old_left > 0 or new_left > 0):
        line = lines[i]
        head = line[:1]
        if line.startswith(("@@ ", "diff --git ")) or (
            line.startswith("--- ") and i + 1 < n and lines[i + 1].startswith("+++ ")
        ):
            break
        if head == "\\":
            i += 1
            continue
        if head == " " and old_left > 0 and new_left > 0:
            old_left, new_left = old_left - 1, new_left - 1
            h.lines.append(line)
        elif head == "-" and old_left > 0:
            old_left -= 1
            h.lines.append(line)
        elif head == "+" and new_left > 0:
            new_left -= 1
            h.lines.append(line)
        elif head not in ("+", "-") and old_left > 0 and new_left > 0:
            # A context line that lost its leading whitespace.
            old_left, new_left = old_left - 1, new_left - 1
            h.lines.append(" " + line)
            h.repaired += 1
        else:
            break
        h.posted.append(line)
        i += 1
    if old_left > 0 or new_left > 0:
        h.truncated = True
        result.diagnostics.append(
            Diagnostic(
                "truncated-hunk",
                f"hunk {h.header.split('@@')[1].strip()} ends {old_left} old / {new_left} new "
                "lines short (snipped or damaged); kept the lines present",
                "warning",
                where,
            )
        )
    while i < n and lines[i].startswith("\\"):
        i += 1
    return i
