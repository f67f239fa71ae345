"""Primitive facts of one function side, read with tree-sitter queries.

Calls (name, argument texts), assignments (left, operator, right), conditions of
if/while/for/do/?:, labels, gotos and returned expressions, each with its real file
line and whether that line is added, removed or context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from reviewbot.diffparse.cparse import WRAP_NAME, language
from reviewbot.model import Assignment, Call, Condition, LineKind

if TYPE_CHECKING:
    from tree_sitter import Node

_QUERY = """
(call_expression function: (_) arguments: (argument_list)) @call
(assignment_expression) @assign
(init_declarator) @decl
(if_statement condition: (_) @cond)
(while_statement condition: (_) @cond)
(do_statement condition: (_) @cond)
(for_statement condition: (_) @cond)
(conditional_expression condition: (_) @cond)
(labeled_statement label: (_) @label)
(goto_statement label: (_) @goto)
(return_statement) @ret
"""


@dataclass(frozen=True)
class Facts:
    calls: tuple[Call, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    conditions: tuple[Condition, ...] = ()
    labels: tuple[str, ...] = ()
    gotos: tuple[str, ...] = ()
    returns: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def _query() -> Any:
    from tree_sitter import Query

    return Query(language(), _QUERY)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _strip_parens(text: str) -> str:
    t = text.strip()
    if t.startswith("(") and t.endswith(")"):
        return t[1:-1].strip()
    return t


def split_args(text: str) -> tuple[str, ...]:
    """``(a, f(b, c), "x,y")`` -> ("a", "f(b, c)", '"x,y"'): top-level commas only, so
    macro arguments the grammar cannot type (``struct foo``) stay whole."""
    inner = text.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1]
    out: list[str] = []
    depth, quote, cur = 0, "", []
    i = 0
    while i < len(inner):
        c = inner[i]
        if quote:
            if c == "\\":
                cur.append(inner[i : i + 2])
                i += 2
                continue
            if c == quote:
                quote = ""
        elif c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            out.append(_flat("".join(cur)))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    last = _flat("".join(cur))
    if last or out:
        out.append(last)
    return tuple(out)


def _declared_name(node: Node, text: Callable[[Node], str]) -> str:
    """``*v9inode`` / ``buf[4]`` -> the declared identifier."""
    cur: Node | None = node
    while cur is not None and cur.type not in ("identifier", "field_identifier"):
        cur = cur.child_by_field_name("declarator") or (
            cur.named_children[0] if cur.named_children else None
        )
    return text(cur) if cur is not None else _flat(text(node))


def extract(
    root: Node,
    source: bytes,
    line_of: Callable[[int], int | None],
    kind_of: Callable[[int], LineKind | None],
) -> Facts:
    """Facts of the nodes under ``root`` whose first row maps to a real line."""
    from tree_sitter import QueryCursor

    def text(n: Node) -> str:
        return source[n.start_byte : n.end_byte].decode("utf-8", "replace")

    captures = QueryCursor(_query()).captures(root)
    found: list[tuple[int, str, Node]] = []
    for name, nodes in captures.items():
        for node in nodes:
            found.append((node.start_byte, name, node))
    found.sort(key=lambda x: (x[0], x[1]))  # document order, deterministic
    calls: list[Call] = []
    assigns: list[Assignment] = []
    conds: list[Condition] = []
    labels: list[str] = []
    gotos: list[str] = []
    returns: list[str] = []
    for _start, name, node in found:
        row = node.start_point[0]
        line, kind = line_of(row), kind_of(row)
        if line is None or kind is None:
            continue
        if name == "call":
            fn = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            callee = _flat(text(fn)) if fn is not None else ""
            if callee == WRAP_NAME:
                continue
            arg_texts = split_args(text(args)) if args is not None else ()
            calls.append(Call(callee, arg_texts, line, kind, _flat(text(node))))
        elif name == "assign":
            left, op, right = (node.child_by_field_name(f) for f in ("left", "operator", "right"))
            if left is None or right is None:
                continue
            assigns.append(
                Assignment(
                    _flat(text(left)), text(op) if op else "=", _flat(text(right)), line, kind
                )
            )
        elif name == "decl":
            decl, value = node.child_by_field_name("declarator"), node.child_by_field_name("value")
            if decl is None or value is None:
                continue
            assigns.append(
                Assignment(_declared_name(decl, text), "=", _flat(text(value)), line, kind, True)
            )
        elif name == "cond":
            conds.append(Condition(_strip_parens(_flat(text(node))), line, kind))
        elif name == "label":
            labels.append(text(node))
        elif name == "goto":
            gotos.append(text(node))
        elif name == "ret":
            expr = node.named_children[0] if node.named_children else None
            returns.append(_flat(text(expr)) if expr is not None else "")
    return Facts(
        tuple(calls), tuple(assigns), tuple(conds), tuple(labels), tuple(gotos), tuple(returns)
    )
