"""Changed functions from whole pre- and post-images (``--tree``)."""

from __future__ import annotations

from reviewbot.diffparse.functions import registrations
from reviewbot.diffparse.source import functions_in_source
from reviewbot.diffparse.tree import images
from reviewbot.model import ChangedFunction, Diagnostic, FileChange, FunctionSide


def _overlaps(side: FunctionSide, ranges: tuple[tuple[int, int], ...]) -> list[int]:
    last = side.first_line + len(side.line_kinds) - 1
    return [i for i, (a, b) in enumerate(ranges) if a <= last and b >= side.first_line]


def tree_functions(
    tree: str, fc: FileChange, regs: dict[str, tuple[str, ...]], where: str
) -> tuple[list[ChangedFunction] | None, Diagnostic | None]:
    imgs, diag = images(tree, fc, where)
    if imgs is None:
        return None, diag
    olds = functions_in_source(imgs.old_text, fc.path, imgs.old_kinds) if fc.old_path else ()
    news = functions_in_source(imgs.new_text, fc.path, imgs.new_kinds) if fc.new_path else ()
    more = registrations([imgs.old_text, imgs.new_text])
    changed: dict[str, None] = {}
    for side in (*news, *olds):
        if any(k != "context" for k in side.line_kinds):
            changed.setdefault(side.name, None)
    before = {s.name: s for s in olds if s.name in changed}
    after = {s.name: s for s in news if s.name in changed}
    out: list[ChangedFunction] = []
    for name in changed:
        b, a = before.get(name), after.get(name)
        hunks = sorted(
            set(_overlaps(b, imgs.old_hunk_lines) if b else [])
            | set(_overlaps(a, imgs.new_hunk_lines) if a else [])
        )
        hint = fc.hunks[hunks[0]].section if hunks else ""
        slots = dict.fromkeys((*regs.get(name, ()), *more.get(name, ())))
        out.append(ChangedFunction(fc.path, name, b, a, tuple(hunks), hint, tuple(slots)))
    return out, diag
