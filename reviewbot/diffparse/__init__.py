"""Message -> Patch -> ChangedFunction: the diff side of ingestion.

Public API::

    extract_patch(msg) -> Patch
    changed_functions(patch, tree=None) -> tuple[ChangedFunction, ...]
    map_functions(patch, tree=None) -> (functions, diagnostics)   # same, with diagnostics
    functions_in_source(text, path="") -> tuple[FunctionSide, ...]
    cparse.parse_side(side) -> ParsedSide                         # for tree-sitter queries

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
kernel annotations blanked) and returns ``ParsedSide(tree, source, rows, ...)``::

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
from reviewbot.diffparse.functions import file_functions, is_c_file, patch_registrations
from reviewbot.diffparse.source import functions_in_source
from reviewbot.model import ChangedFunction, Diagnostic, Patch

__all__ = ["changed_functions", "extract_patch", "functions_in_source", "map_functions"]


def changed_functions(patch: Patch, tree: str | None = None) -> tuple[ChangedFunction, ...]:
    """The C functions the patch changes, with both sides and their facts."""
    return map_functions(patch, tree)[0]


def map_functions(
    patch: Patch, tree: str | None = None
) -> tuple[tuple[ChangedFunction, ...], tuple[Diagnostic, ...]]:
    """``changed_functions`` plus what went wrong with ``--tree`` (per file)."""
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
