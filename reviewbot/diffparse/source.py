"""Every function of a whole C file, with its facts (``--tree`` and rules' own use)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from reviewbot.diffparse.cparse import blank_annotations, parser
from reviewbot.diffparse.facts import extract
from reviewbot.diffparse.inactive import blank_inactive
from reviewbot.model import FunctionSide, LineKind

if TYPE_CHECKING:
    from tree_sitter import Node

# Containers whose children may be function definitions (#ifdef blocks, extern "C").
_CONTAINERS = frozenset(
    (
        "translation_unit",
        "preproc_if",
        "preproc_ifdef",
        "preproc_else",
        "preproc_elif",
        "preproc_elifdef",
        "linkage_specification",
        "declaration_list",
    )
)


def _definitions(node: Node) -> list[Node]:
    out: list[Node] = []
    stack = [node]
    while stack:
        cur = stack.pop()
        for child in reversed(cur.named_children):
            if child.type == "function_definition":
                out.append(child)
            elif child.type in _CONTAINERS:
                stack.append(child)
    out.sort(key=lambda n: n.start_byte)
    return out


def function_name(node: Node, source: bytes) -> str | None:
    decl = node.child_by_field_name("declarator")
    while decl is not None and decl.type != "function_declarator":
        decl = decl.child_by_field_name("declarator")
    if decl is None:
        return None
    inner = decl.child_by_field_name("declarator")
    while inner is not None and inner.type not in ("identifier", "field_identifier"):
        inner = inner.child_by_field_name("declarator") or (
            inner.named_children[0] if inner.named_children else None
        )
    return source[inner.start_byte : inner.end_byte].decode("utf-8", "replace") if inner else None


def functions_in_source(
    text: str, path: str = "", kinds: Mapping[int, LineKind] | None = None
) -> tuple[FunctionSide, ...]:
    """Every function definition of a whole C file (complete=True), with facts.

    ``kinds`` marks lines (1-based) as added/removed; the others are context.
    """
    del path  # kept in the API for diagnostics and future per-language choices
    kinds = kinds or {}
    source = blank_inactive(blank_annotations(text)).encode("utf-8", "replace")
    tree = parser().parse(source)
    lines = text.split("\n")
    out: list[FunctionSide] = []

    def line_of(row: int) -> int | None:
        return row + 1

    def kind_of(row: int) -> LineKind | None:
        return kinds.get(row + 1, "context")

    for node in _definitions(tree.root_node):
        name = function_name(node, source)
        if not name:
            continue
        first, last = node.start_point[0], node.end_point[0]
        facts = extract(node, source, line_of, kind_of)
        out.append(
            FunctionSide(
                name=name,
                text="\n".join(lines[first : last + 1]),
                first_line=first + 1,
                line_kinds=tuple(kinds.get(r + 1, "context") for r in range(first, last + 1)),
                complete=True,
                calls=facts.calls,
                assignments=facts.assignments,
                conditions=facts.conditions,
                labels=facts.labels,
                gotos=facts.gotos,
                returns=facts.returns,
                line_numbers=tuple(range(first + 1, last + 2)),
            )
        )
    return tuple(out)
