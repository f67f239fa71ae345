"""Canonical diff text -> ``FileChange``/``Hunk`` (via unidiff), and the patch id."""

from __future__ import annotations

import hashlib
import re

from reviewbot.diffparse.paths import git_line_paths, header_path
from reviewbot.diffparse.repair import Scan
from reviewbot.errors import InputError
from reviewbot.model import DiffLine, FileChange, Hunk

_INDEX = re.compile(r"^index ([0-9a-fA-F]+)\.\.([0-9a-fA-F]+)(?: (\d+))?")
_MODE = re.compile(r"^(old mode|new mode|new file mode|deleted file mode) (\d+)")


def _git_paths(info: list[str]) -> tuple[str | None, str | None]:
    for line in info:
        if line.startswith("diff --git "):
            old, new = git_line_paths(line[len("diff --git ") :])
            if old is not None and new is not None:
                return old, new
    return None, None


def build_files(scan: Scan) -> tuple[FileChange, ...]:
    """Parse the repaired diff with unidiff; our own Scan keeps what was posted."""
    from unidiff import PatchSet
    from unidiff.errors import UnidiffParseError

    text = scan.canonical()
    if not text:
        return ()
    try:
        patchset = PatchSet(text)
    except (UnidiffParseError, ValueError, IndexError) as exc:
        raise InputError(f"diff cannot be parsed after repair: {exc}") from exc
    out: list[FileChange] = []
    scanned = [f for f in scan.files if f.headers or f.hunks]
    for k, pf in enumerate(patchset):
        sf = scanned[k] if k < len(scanned) else None
        info = [str(x).rstrip("\n") for x in (pf.patch_info or [])] + (sf.headers if sf else [])
        old_path, new_path = header_path(pf.source_file or ""), header_path(pf.target_file or "")
        g_old, g_new = _git_paths(info)
        if old_path is None and new_path is None:
            old_path, new_path = g_old, g_new
        modes: dict[str, str] = {}
        old_blob = new_blob = None
        for line in info:
            m = _INDEX.match(line)
            if m:
                old_blob, new_blob = m.group(1), m.group(2)
                if m.group(3):
                    modes.setdefault("old mode", m.group(3))
                    modes.setdefault("new mode", m.group(3))
            m2 = _MODE.match(line)
            if m2:
                modes[m2.group(1)] = m2.group(2)
        if "new file mode" in modes or pf.is_added_file:
            status, old_path = "added", None
        elif "deleted file mode" in modes or pf.is_removed_file:
            status, new_path = "deleted", None
        elif any(x.startswith("copy from ") for x in info):
            status = "copied"
        elif pf.is_rename or (old_path and new_path and old_path != new_path):
            status = "renamed"
        elif pf.is_binary_file or (sf is not None and sf.binary):
            status = "binary"
        elif not len(pf) and modes.get("old mode") != modes.get("new mode"):
            status = "mode"
        else:
            status = "modified"
        hunks: list[Hunk] = []
        for j, uh in enumerate(pf):
            sh = sf.hunks[j] if sf and j < len(sf.hunks) else None
            posted = sh.posted if sh else []
            lines: list[DiffLine] = []
            for n, ul in enumerate(x for x in uh if x.line_type in "+- "):
                kind = {"+": "added", "-": "removed", " ": "context"}[ul.line_type]
                lines.append(
                    DiffLine(
                        kind=kind,  # type: ignore[arg-type]
                        text=ul.value.rstrip("\n"),
                        old_lineno=ul.source_line_no,
                        new_lineno=ul.target_line_no,
                        posted=posted[n]
                        if n < len(posted)
                        else ul.line_type + ul.value.rstrip("\n"),
                    )
                )
            hunks.append(
                Hunk(
                    old_start=uh.source_start,
                    old_count=uh.source_length,
                    new_start=uh.target_start,
                    new_count=uh.target_length,
                    section=(uh.section_header or "").strip(),
                    lines=tuple(lines),
                    repaired=bool(sh and sh.repaired),
                )
            )
        out.append(
            FileChange(
                old_path=old_path,
                new_path=new_path,
                status=status,  # type: ignore[arg-type]
                hunks=tuple(hunks),
                old_blob=old_blob,
                new_blob=new_blob,
                old_mode=modes.get("old mode") or modes.get("deleted file mode"),
                new_mode=modes.get("new mode") or modes.get("new file mode"),
            )
        )
    return tuple(out)


def patch_id(files: tuple[FileChange, ...]) -> str:
    """Stable id of the diff content, like ``git patch-id --stable``.

    File names plus added/removed lines with all whitespace removed, hashed per file and
    combined order-independently: the same patch cross-posted, re-wrapped by a web
    archive or with repaired context lines gets the same id.
    """
    digests: list[bytes] = []
    for f in files:
        h = hashlib.sha1(usedforsecurity=False)
        h.update(f"{f.old_path or ''}\0{f.new_path or ''}\0{f.status}\0".encode())
        for hunk in f.hunks:
            for line in hunk.lines:
                if line.kind != "context":
                    h.update(line.kind[0].encode() + "".join(line.text.split()).encode() + b"\n")
        digests.append(h.digest())
    if not digests:
        return ""
    total = hashlib.sha1(usedforsecurity=False)
    for d in sorted(digests):
        total.update(d)
    return total.hexdigest()
