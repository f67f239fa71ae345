"""Say once per draft that a trace speaks the model's language, not the patch's.

Each scenario was written after the seed mail where its race was reported, so its
step labels name that filesystem's functions and fields (``p9_client_write()``,
``v9fs_kill_super()``, ``cache_validity``). Renaming them per filesystem would be
made up; a ceph or cifs maintainer is told plainly instead, and shown which of the
patch's functions the facts mapped onto the model.
"""

from __future__ import annotations

import re

from reviewbot.model import Finding, Patch
from reviewbot.render.view import pick_property

# scenario -> (what the model was written after, the source directories it follows,
# the thread whose steps the rule's function stands for, "" when no single one does)
MODELS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "getattr-writeback": ("9p", ("fs/9p/", "net/9p/"), "getattr"),
    "flags-rmw": ("9p", ("fs/9p/", "net/9p/"), ""),
    "evict-vs-async-io": ("9p and netfs", ("fs/9p/", "net/9p/", "fs/netfs/"), "umount"),
    "writeback-stale-mapping": ("ext2 and iomap", ("fs/ext2/", "fs/iomap/"), "writeback"),
    "lockless-buffered-write": ("bcachefs", ("fs/bcachefs/",), ""),
    "unwritten-zero-fill": ("iomap and XFS", ("fs/iomap/", "fs/xfs/"), ""),
}
# Name prefixes that mark an identifier as the model filesystem's own (shown first,
# before kernel-wide names like folio_end_writeback() that every filesystem shares).
_OWN = ("p9_", "v9fs_", "V9FS_", "cache_validity", "ext2_", "bch2_", "xfs_")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _fs(path: str) -> str:
    """'fs/ceph/inode.c' -> 'ceph', 'fs/smb/client/x.c' -> 'smb'."""
    parts = path.split("/")
    return parts[1] if len(parts) > 2 and parts[0] in {"fs", "net"} else ""


def _foreign_names(f: Finding, diff_text: str, limit: int = 3) -> list[str]:
    """Identifiers the trace shows that the patch never mentions (the model's own)."""
    _, prop = pick_property(f)
    if prop is None:
        return []
    out: list[str] = []
    for step in prop.trace:
        texts = [step.label] + [var for var, _ in step.changes]
        for text in texts:
            for m in _NAME.finditer(text):
                name = m.group(0)
                call = text[m.end() : m.end() + 1] == "("
                model_like = call or "_" in name
                if model_like and name not in diff_text and len(name) > 3:
                    shown = f"{name}()" if call else name
                    if shown not in out:
                        out.append(shown)
    out.sort(key=lambda n: not n.startswith(_OWN))
    return out[:limit]


def note(patch: Patch, f: Finding) -> str:
    """The sentence for ``f`` when its file is not the model's filesystem, else ""."""
    model = MODELS.get(f.scenario)
    if model is None:
        return ""
    written_after, dirs, thread = model
    files = [f.file] if f.file else [fc.path for fc in patch.files]
    if not files and patch.recovered is not None:
        files = list(patch.recovered.files)
    if not files or any(p.startswith(dirs) for p in files):
        return ""
    shown = [patch.diff_text, patch.commit_message, f.function]
    shown += [ln.text for fc in patch.files for h in fc.hunks for ln in h.lines]
    shown += [x.text for x in f.facts]
    names = _foreign_names(f, "\n".join(shown))
    if not names:
        return ""
    theirs = _fs(files[0])
    text = (
        f"The step names in the trace ({', '.join(names)}) are the model's: it was"
        f" written after the {written_after} code, not {theirs or 'this filesystem'}'s."
    )
    mapped = sorted({x.function for x in f.facts if x.function and not x.assumed})
    if not mapped and f.function:
        mapped = [f.function]
    if mapped:
        who = ", ".join(f"{m}()" for m in mapped)
        if thread and len(mapped) == 1:
            text += f" Per the facts below, {who} plays the model's {thread} thread."
        else:
            text += f" Per the facts below, the model stands for {who}."
    return text
