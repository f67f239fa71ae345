"""Message -> Patch -> ChangedFunction: the diff side of ingestion.

Public API::

    extract_patch(msg) -> Patch
    changed_functions(patch, tree=None) -> tuple[ChangedFunction, ...]
    map_functions(patch, tree=None) -> (functions, diagnostics)   # same, with diagnostics
    functions_in_source(text, path="") -> tuple[FunctionSide, ...]
    file_images(fc, tree) -> (pre-image, post-image) | None         # whole files (--tree)
    cparse.parse_side(side) -> ParsedSide                         # for tree-sitter queries

What a ChangedFunction is
-------------------------
A C function with at least one added or removed line of code (comment-only changes do
not count). ``before`` is None when the function is new, ``after`` when it is gone; a
header renamed in place is one function (``before.name`` keeps the old name).
``registered_as`` lists the ops slots (``.getattr``) whose initialiser names the
function anywhere in the patch (and, with ``--tree``, anywhere in the touched files).
With ``file_images`` and ``functions_in_source`` the unchanged functions of a touched
file (callees, the other side of a registration) can be read too.

Running your own tree-sitter query over a ``FunctionSide``
-----------------------------------------------------------
``side.text`` is what is known of the function on one side: the lines of every hunk
that touches it (fragments, ``complete=False``) or the whole function (``--tree``,
``complete=True``). ``side.line_kinds[i]`` says whether line ``i`` of ``text`` is
context, added or removed, and ``side.line_numbers[i]`` is its real line in the pre-image
(before) or post-image (after) file. Fragments from several hunks have gaps, so use
``line_numbers`` rather than ``first_line + i`` (they agree when there is no gap).

A fragment is not valid C by itself. ``parse_side`` wraps it the way this package does
for its own facts (a dummy function, each hunk's run of lines brace-balanced on its own,
kernel annotations and ``#if 0`` code blanked; when the fragment starts on a wrapped
parameter list's continuation line, ``side.signature_head``, the ``@@`` hint, is put
above it instead) and returns ``ParsedSide(tree, source, rows, ...)``::

    from reviewbot.diffparse.cparse import parse_side, language
    from tree_sitter import Query, QueryCursor

    ps = parse_side(cf.after)
    q = Query(language(), "(call_expression function: (identifier) @fn)")
    for node in sorted(QueryCursor(q).captures(ps.tree.root_node).get("fn", []),
                       key=lambda n: n.start_byte):
        line = ps.line_of(node.start_point[0])   # None: a row the wrapper added
        if line is not None:
            print(line, ps.kind_of(node.start_point[0]), ps.text(node))

Nodes on wrapper rows (``line_of`` is None) are not part of the side and must be
skipped. The facts already on each side (calls, assignments, conditions, labels,
gotos, returns) come from exactly this.
"""

from __future__ import annotations

from reviewbot.diffparse.extract import extract_patch
from reviewbot.model import ChangedFunction, Diagnostic, FileChange, FunctionSide, Patch

__all__ = [
    "changed_functions",
    "extract_patch",
    "file_images",
    "functions_in_source",
    "map_functions",
]


def changed_functions(patch: Patch, tree: str | None = None) -> tuple[ChangedFunction, ...]:
    """The C functions the patch changes, with both sides and their facts."""
    return map_functions(patch, tree)[0]


def map_functions(
    patch: Patch, tree: str | None = None
) -> tuple[tuple[ChangedFunction, ...], tuple[Diagnostic, ...]]:
    """``changed_functions`` plus what went wrong with ``--tree`` (per file)."""
    # Function mapping (tree-sitter and its helpers) loads on first use: start-up stays fast.
    from reviewbot.diffparse.functions import file_functions, is_c_file, patch_registrations
    from reviewbot.diffparse.treefuncs import tree_functions

    regs = patch_registrations(patch)
    where = patch.message.source or patch.message.msgid
    out: list[ChangedFunction] = []
    diags: list[Diagnostic] = []
    if tree is not None and patch.files:
        from reviewbot.diffparse.tree import check_tree

        check_tree(tree)
    for fc in patch.files:
        if not fc.hunks or not is_c_file(fc.path):
            continue
        if tree is not None:
            funcs, diag = tree_functions(tree, fc, regs, where)
            if diag is not None:
                diags.append(diag)
            if funcs is not None:
                out.extend(funcs)
                continue
        out.extend(file_functions(fc, regs))
    return tuple(out), tuple(diags)


def file_images(fc: FileChange, tree: str) -> tuple[str, str] | None:
    """Whole pre- and post-image of one file from a kernel checkout (None: the blob is
    missing or the patch does not apply to it)."""
    from reviewbot.diffparse.tree import check_tree, images

    check_tree(tree)
    found, _diag = images(tree, fc, fc.path)
    return (found.old_text, found.new_text) if found is not None else None


def functions_in_source(text: str, path: str = "") -> tuple[FunctionSide, ...]:
    """Every function of a whole C file (complete=True), with calls/assignments/conditions."""
    from reviewbot.diffparse.source import functions_in_source as whole_file

    return whole_file(text, path)
