"""``--tree PATH``: whole functions from a kernel git checkout.

The pre-image of each file comes from its ``index <pre>..<post>`` blob id (so the
checkout may be at any commit that has the blob); the patch is applied in memory, with
context compared whitespace-insensitively (repaired context lines lost their
indentation, and the pre-image supplies it back). A file whose blob is missing or whose
hunks do not apply falls back to hunk fragments, with a diagnostic.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass

from reviewbot.errors import InputError
from reviewbot.model import Diagnostic, FileChange, LineKind

# How far (in lines) a hunk may have moved in the pre-image, as patch(1) allows.
_FUZZ_LINES = 200


@dataclass(frozen=True)
class Images:
    old_text: str
    new_text: str
    old_kinds: dict[int, LineKind]  # removed lines of the pre-image (1-based)
    new_kinds: dict[int, LineKind]  # added lines of the post-image (1-based)
    old_hunk_lines: tuple[tuple[int, int], ...]  # per hunk: first..last pre-image line
    new_hunk_lines: tuple[tuple[int, int], ...]


_CHECKED: set[str] = set()  # trees known to be git checkouts in this process


def check_tree(tree: str) -> None:
    """InputError unless ``tree`` is a git checkout. Asked once per tree and process:
    the CLI asks at start-up and the mapping of every message asks again."""
    if tree in _CHECKED:
        return
    try:
        proc = subprocess.run(
            ["git", "-C", tree, "rev-parse", "--git-dir"],
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise InputError(f"cannot run git: {exc}", where=tree, hint="is git installed?") from exc
    if proc.returncode != 0:
        raise InputError("--tree is not a git checkout", where=tree, hint="pass a kernel git tree")
    _CHECKED.add(tree)


def read_blob(tree: str, blob: str) -> str | None:
    """A blob's text by (abbreviated) id; None when the tree does not have it."""
    if not blob or set(blob) == {"0"}:
        return ""
    try:
        proc = subprocess.run(
            ["git", "-C", tree, "cat-file", "blob", blob],
            capture_output=True,
            check=False,
            timeout=60,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace")


def _norm(text: str) -> str:
    return " ".join(text.split())


def apply(fc: FileChange, old_text: str) -> Images | None:
    """Apply ``fc``'s hunks to ``old_text``; None when a hunk does not match."""
    old = old_text.split("\n")
    norm_old = [_norm(x) for x in old]
    new: list[str] = []
    old_kinds: dict[int, LineKind] = {}
    new_kinds: dict[int, LineKind] = {}
    old_ranges: list[tuple[int, int]] = []
    new_ranges: list[tuple[int, int]] = []
    pos = 0  # next pre-image index not yet copied
    for hunk in fc.hunks:
        want = [_norm(x.text) for x in hunk.lines if x.kind != "added"]
        start = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        at = _find(norm_old, want, max(start, 0), pos)
        if at is None:
            return None
        new.extend(old[pos:at])
        first_new = len(new) + 1
        i = at
        for line in hunk.lines:
            if line.kind == "context":
                new.append(old[i])  # the pre-image's own indentation
                i += 1
            elif line.kind == "removed":
                old_kinds[i + 1] = "removed"
                i += 1
            else:
                new.append(line.text)
                new_kinds[len(new)] = "added"
        old_ranges.append((at + 1, max(at + 1, i)))
        new_ranges.append((first_new, max(first_new, len(new))))
        pos = i
    new.extend(old[pos:])
    return Images(
        old_text, "\n".join(new), old_kinds, new_kinds, tuple(old_ranges), tuple(new_ranges)
    )


def _find(lines: list[str], want: list[str], start: int, floor: int) -> int | None:
    n = len(want)
    for delta in range(_FUZZ_LINES + 1):
        for at in (start + delta, start - delta) if delta else (start,):
            if at < floor or at + n > len(lines):
                continue
            if lines[at : at + n] == want:
                return at
    return None


def images(tree: str, fc: FileChange, where: str) -> tuple[Images | None, Diagnostic | None]:
    """Pre- and post-image of one file, or a diagnostic saying why not."""
    if fc.status == "added":
        got = apply(fc, "")
        return got, None if got else Diagnostic(
            "tree-apply-failed", f"{fc.path}: new file's hunks are inconsistent", "warning", where
        )
    if not fc.old_blob:
        return None, Diagnostic(
            "tree-no-blob",
            f"{fc.path}: the diff has no 'index' line, so its pre-image cannot be found "
            "in the tree; used hunk fragments",
            "info",
            where,
        )
    text = read_blob(tree, fc.old_blob)
    if text is None:
        return None, Diagnostic(
            "tree-blob-missing",
            f"{fc.path}: blob {fc.old_blob} is not in {tree} (fetch the base commit?); "
            "used hunk fragments",
            "warning",
            where,
        )
    got = apply(fc, text)
    if got is None:
        return None, Diagnostic(
            "tree-apply-failed",
            f"{fc.path}: the patch does not apply to blob {fc.old_blob}; used hunk fragments",
            "warning",
            where,
        )
    return got, None
