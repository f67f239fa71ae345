"""Hunks -> ChangedFunction from the patch alone (no kernel tree).

Each hunk is split into its old side (context + removed) and new side (context +
added); every line gets the function it belongs to (see ``owners``). A function is
changed when one of its lines is added or removed. Its sides collect the lines of every
hunk that touches it, with their real line numbers, and are parsed with tree-sitter for
facts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from reviewbot.diffparse.cparse import parse_side
from reviewbot.diffparse.facts import extract
from reviewbot.diffparse.owners import SideLine, code_only, hint_name, owners
from reviewbot.diffparse.signature import hint_head
from reviewbot.model import ChangedFunction, FileChange, FunctionSide, LineKind, Patch

_C_FILE = re.compile(r"\.(?:c|h)$|^\(unknown\)$")
_OPS_SLOT = re.compile(r"^\s*(\.\w+)\s*=\s*&?\s*([A-Za-z_]\w*)\s*,?\s*(?:/\*.*)?$")


def is_c_file(path: str) -> bool:
    return bool(_C_FILE.search(path))


def registrations(texts: list[str]) -> dict[str, tuple[str, ...]]:
    """``.getattr = v9fs_vfs_getattr_dotl,`` lines -> {function: (".getattr", ...)}."""
    found: dict[str, dict[str, None]] = {}
    for text in texts:
        for line in text.split("\n"):
            m = _OPS_SLOT.match(line)
            if m:
                found.setdefault(m.group(2), {}).setdefault(m.group(1), None)
    return {k: tuple(v) for k, v in found.items()}


def patch_registrations(patch: Patch) -> dict[str, tuple[str, ...]]:
    return registrations(
        ["\n".join(line.text for h in f.hunks for line in h.lines) for f in patch.files]
    )


def code_lines(texts: list[str]) -> list[bool]:
    """Per line: does it hold code outside comments (block comments span lines)."""
    return [bool(x.strip()) for x in code_only(texts)]


@dataclass
class _Acc:
    hint: str = ""
    hunks: list[int] = field(default_factory=list)
    old: dict[int, tuple[str, LineKind]] = field(default_factory=dict)
    new: dict[int, tuple[str, LineKind]] = field(default_factory=dict)
    changed: bool = False
    renamed_from: str = ""
    old_head: str = ""  # see FunctionSide.signature_head
    new_head: str = ""


def file_functions(fc: FileChange, regs: dict[str, tuple[str, ...]]) -> list[ChangedFunction]:
    """Changed functions of one file, from its hunks."""
    accs: dict[str, _Acc] = {}
    carry_old: str | None = None
    carry_new: str | None = None
    for hi, hunk in enumerate(fc.hunks):
        hint = hint_name(hunk.section)
        old_lines = [x for x in hunk.lines if x.kind != "added"]
        new_lines = [x for x in hunk.lines if x.kind != "removed"]
        # A context line with no leading blank in a repaired hunk may have lost it.
        rep = hunk.repaired
        old_side = [SideLine(x.text, rep and x.kind == "context") for x in old_lines]
        new_side = [SideLine(x.text, rep and x.kind == "context") for x in new_lines]
        old_own, carry_old = owners(old_side, hint or carry_old)
        new_own, carry_new = owners(new_side, hint or carry_new)
        old_code = code_lines([x.text for x in old_lines])
        new_code = code_lines([x.text for x in new_lines])
        # Only the hint function's first hunk can start inside its signature.
        first_old = bool(hint) and not (hint in accs and accs[hint].old)
        first_new = bool(hint) and not (hint in accs and accs[hint].new)
        for line, own, code in zip(old_lines, old_own, old_code, strict=True):
            if own is None or line.old_lineno is None:
                continue
            acc = accs.setdefault(own, _Acc(hint=hunk.section))
            acc.old[line.old_lineno] = (line.text, line.kind)
            # Only code makes a function changed: a kernel-doc block added above the
            # next function must not mark the one the @@ hint names.
            acc.changed |= line.kind == "removed" and code
            if hi not in acc.hunks:
                acc.hunks.append(hi)
        for line, own, code in zip(new_lines, new_own, new_code, strict=True):
            if own is None or line.new_lineno is None:
                continue
            acc = accs.setdefault(own, _Acc(hint=hunk.section))
            acc.new[line.new_lineno] = (line.text, line.kind)
            acc.changed |= line.kind == "added" and code
            if hi not in acc.hunks:
                acc.hunks.append(hi)
        if hint and first_old and old_own[:1] == [hint]:
            accs[hint].old_head = hint_head(hunk.section, hint, old_side)
        if hint and first_new and new_own[:1] == [hint]:
            accs[hint].new_head = hint_head(hunk.section, hint, new_side)
    _pair_renames(accs)
    out: list[ChangedFunction] = []
    for name, acc in accs.items():
        if not acc.changed:
            continue
        out.append(
            ChangedFunction(
                file=fc.path,
                name=name,
                before=_side(acc.renamed_from or name, acc.old, acc.old_head) if acc.old else None,
                after=_side(name, acc.new, acc.new_head) if acc.new else None,
                hunks=tuple(acc.hunks),
                header_hint=acc.hint,
                registered_as=tuple(
                    dict.fromkeys((*regs.get(name, ()), *regs.get(acc.renamed_from, ())))
                ),
            )
        )
    return out


def _pair_renames(accs: dict[str, _Acc]) -> None:
    """A header renamed in place (``-int old(...)`` / ``+int new(...)``) is one function:
    when a hunk holds exactly one function known only before and one known only after,
    the new name gets the old one's pre-image."""
    gone = [n for n, a in accs.items() if a.old and not a.new]
    born = [n for n, a in accs.items() if a.new and not a.old]
    for old_name in gone:
        old = accs[old_name]
        partners = [n for n in born if accs[n].hunks[:1] == old.hunks[:1]]
        if len(partners) != 1 or sum(accs[n].hunks[:1] == old.hunks[:1] for n in gone) != 1:
            continue
        new = accs[partners[0]]
        new.old, new.old_head, new.changed = old.old, old.old_head, True
        new.hunks = sorted(set(new.hunks) | set(old.hunks))
        new.renamed_from = old_name
        born.remove(partners[0])
        del accs[old_name]


def _side(name: str, lines: dict[int, tuple[str, LineKind]], head: str) -> FunctionSide:
    numbers = tuple(sorted(lines))
    side = FunctionSide(
        name=name,
        text="\n".join(lines[n][0] for n in numbers),
        first_line=numbers[0],
        line_kinds=tuple(lines[n][1] for n in numbers),
        complete=False,
        line_numbers=numbers,
        signature_head=head,
    )
    return with_facts(side)


def with_facts(side: FunctionSide) -> FunctionSide:
    """The side with its calls/assignments/conditions/labels/gotos/returns filled in."""
    from dataclasses import replace

    parsed = parse_side(side)
    f = extract(parsed.tree.root_node, parsed.source, parsed.line_of, parsed.kind_of)
    return replace(
        side,
        calls=f.calls,
        assignments=f.assignments,
        conditions=f.conditions,
        labels=f.labels,
        gotos=f.gotos,
        returns=f.returns,
    )
