"""A structural view of one function side, read with tree-sitter-c.

``FunctionSide`` carries flat lists of calls and assignments; rules also need structure:
which ``if``/``else`` branch a call sits in, whether one call dominates another, what a
call's result is assigned to. ``parse_body`` parses the side's text (hunk fragments are
wrapped in a dummy function, with ``if (1) {`` added per unmatched ``}``) and returns plain
frozen dataclasses; no tree-sitter object leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import tree_sitter_c
from tree_sitter import Language, Node, Parser, Query, QueryCursor

# kernel annotations and name-first headers are handled as diffparse handles them
from reviewbot.diffparse.cparse import NAME_FIRST, blank_annotations
from reviewbot.model import FunctionSide

_LANG = Language(tree_sitter_c.language())
_PARSER = Parser(_LANG)

_WRAP_HEAD = "void __rb_fragment(void)\n{\n"


@dataclass(frozen=True)
class Guard:
    """An enclosing condition: its text and whether we are in its then or else part."""

    cond: str
    branch: str  # "then" | "else"


@dataclass(frozen=True)
class CallSite:
    name: str  # callee text: "filemap_fdatawrite", "ops->iomap_valid"
    args: tuple[str, ...]
    text: str
    row: int  # 0-based row in the side's text
    guards: tuple[Guard, ...]  # outermost first
    blocks: tuple[int, ...]  # start bytes of enclosing blocks, outermost first
    assigned_to: str | None  # "st" in "st = f()" or "int st = f()"
    declaration: bool  # "int ret = f()"
    in_condition: bool  # the call is (part of) an if/while condition
    byte: int
    deref: bool = False  # "FOO_I(inode)->field": an accessor, its result is dereferenced
    # the entries of ``blocks`` that are bare ``{ ... }`` statements: scopes, not
    # branches (everything in one runs whenever the statement before it has run)
    bare: tuple[int, ...] = ()


@dataclass(frozen=True)
class AssignSite:
    left: str
    op: str
    right: str
    row: int
    guards: tuple[Guard, ...]
    declaration: bool
    byte: int


@dataclass(frozen=True)
class CondSite:
    text: str
    row: int
    exits: bool  # its then-branch leaves the function/loop (return, goto, break)
    byte: int


@dataclass(frozen=True)
class Body:
    name: str
    params: tuple[str, ...]  # parameter declarations as written ("struct kstat *stat")
    calls: tuple[CallSite, ...]
    assigns: tuple[AssignSite, ...]
    conds: tuple[CondSite, ...]
    text: str

    def calls_named(self, names: frozenset[str] | set[str]) -> tuple[CallSite, ...]:
        return tuple(c for c in self.calls if c.name in names)


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _unparen(text: str) -> str:
    text = " ".join(text.split())
    if text.startswith("(") and text.endswith(")"):
        return text[1:-1].strip()
    return text


def _balance(text: str) -> str:
    """Open a block for every unmatched ``}`` so a fragment parses as one body."""
    depth = 0
    extra = 0
    for ch in text:
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                extra += 1
            else:
                depth -= 1
    return "if (1) {" * extra + "\n" + text + "\n" + "}" * depth


def _is_definition(text: str) -> bool:
    head = text.split("{", 1)[0]
    return "(" in head and ";" not in head and not head.lstrip().startswith(("if", "}"))


def _source(text: str) -> tuple[str, int]:
    clean = blank_annotations(text)
    if _is_definition(clean) and clean.count("{") >= clean.count("}"):
        if NAME_FIRST.match(clean):
            clean = "int " + clean  # on the first line: line numbers stay
        return clean + "\n" + "}" * (clean.count("{") - clean.count("}")), 0
    body = _balance(clean)
    return _WRAP_HEAD + body + "\n}\n", _WRAP_HEAD.count("\n") + 1


_CALLS = Query(_LANG, "(call_expression function: (_) @fn arguments: (argument_list) @args) @call")
_ASSIGNS = Query(
    _LANG,
    """
    (assignment_expression left: (_) @left right: (_) @right) @assign
    (init_declarator declarator: (_) @left value: (_) @right) @init
    (update_expression argument: (_) @left) @update
    """,
)
_CONDS = Query(
    _LANG,
    """
    (if_statement condition: (_) @cond) @if
    (while_statement condition: (_) @cond) @while
    """,
)

_BLOCKS = {"compound_statement", "if_statement", "else_clause", "conditional_expression"}
_EXITS = {"return_statement", "goto_statement", "break_statement", "continue_statement"}


def _captures(query: Query, node: Node) -> dict[str, list[Node]]:
    caps = QueryCursor(query).captures(node)
    return {k: sorted(v, key=lambda n: n.start_byte) for k, v in caps.items()}


def _bare_blocks(node: Node) -> tuple[int, ...]:
    """Start bytes of the bare compound statements (a ``{ }`` directly inside another
    block) enclosing ``node``."""
    out = []
    parent = node.parent
    while parent is not None and parent.type != "function_definition":
        if (
            parent.type == "compound_statement"
            and parent.parent is not None
            and parent.parent.type == "compound_statement"
        ):
            out.append(parent.start_byte)
        parent = parent.parent
    return tuple(reversed(out))


def _context(node: Node) -> tuple[tuple[Guard, ...], tuple[int, ...], bool]:
    guards: list[Guard] = []
    blocks: list[int] = []
    in_cond = False
    child = node
    parent = node.parent
    while parent is not None and parent.type != "function_definition":
        if parent.type in ("if_statement", "conditional_expression", "while_statement"):
            cond = parent.child_by_field_name("condition")
            if cond is not None and child.id == cond.id:
                in_cond = True
            elif cond is not None and parent.type != "while_statement":
                alt = parent.child_by_field_name("alternative")
                branch = "else" if alt is not None and alt.id == child.id else "then"
                text = _unparen(_text(cond))
                if text != "1":  # the wrapper's own "if (1) {" blocks
                    guards.append(Guard(text, branch))
        if parent.type in _BLOCKS and not _is_wrapper(parent):
            blocks.append(
                child.start_byte if parent.type != "compound_statement" else parent.start_byte
            )
        child = parent
        parent = parent.parent
    return tuple(reversed(guards)), tuple(reversed(blocks)), in_cond


def _is_wrapper(node: Node) -> bool:
    """The ``if (1) {`` blocks a fragment wrapper adds are not real structure."""
    if node.type == "compound_statement" and node.parent is not None:
        node = node.parent
    if node.type != "if_statement":
        return False
    cond = node.child_by_field_name("condition")
    return cond is not None and _unparen(_text(cond)) == "1"


def _assigned(call: Node) -> tuple[str | None, bool]:
    parent = call.parent
    while parent is not None and parent.type in ("parenthesized_expression", "cast_expression"):
        parent = parent.parent
    if parent is None:
        return None, False
    if parent.type == "assignment_expression":
        return _text(parent.child_by_field_name("left")), False
    if parent.type == "init_declarator":
        decl = parent.child_by_field_name("declarator")
        return _text(decl).lstrip("*").strip(), True
    return None, False


def _exits(if_node: Node) -> bool:
    cons = if_node.child_by_field_name("consequence")
    if cons is None:
        return False
    if cons.type in _EXITS:
        return True
    if cons.type == "expression_statement" and cons.child_count == 0:
        return False
    stack = [cons]
    while stack:
        n = stack.pop()
        if n.type in _EXITS:
            return True
        if n.type in ("if_statement", "for_statement", "while_statement", "do_statement"):
            continue
        stack.extend(n.children)
    return False


def _params(root: Node) -> tuple[str, ...]:
    caps = _captures(_query("(function_declarator parameters: (parameter_list) @p)"), root)
    for plist in caps.get("p", [])[:1]:
        return tuple(_text(c) for c in plist.named_children if c.type == "parameter_declaration")
    return ()


def _fn_name(root: Node) -> str:
    caps = _captures(_query("(function_declarator declarator: (identifier) @n)"), root)
    names = caps.get("n", [])
    return _text(names[0]) if names else ""


@lru_cache(maxsize=4096)
def parse_body(text: str) -> Body:
    """Structure of a function's text (a whole function, or fragments of one)."""
    src, offset = _source(text)
    root = _PARSER.parse(src.encode("utf-8", "replace")).root_node
    return _collect(root, text, lambda r: r - offset, wrapped=bool(offset))


@lru_cache(maxsize=4096)
def side_body(side: FunctionSide) -> Body:
    """Structure of one side of a changed function, parsed the way diffparse parses it
    (each hunk's run of lines balanced on its own; rows map back to the side's lines)."""
    from reviewbot.diffparse.cparse import WRAP_NAME, parse_side

    ps = parse_side(side)
    rows = ps.rows

    def row_of(r: int) -> int:
        i = rows[r] if 0 <= r < len(rows) else None
        return -1 if i is None else i

    wrapped = WRAP_NAME.encode() in ps.source[:200]
    return _collect(ps.tree.root_node, side.text, row_of, wrapped=wrapped)


def _collect(root: Node, text: str, row_of: Callable[[int], int], *, wrapped: bool) -> Body:
    calls = []
    for node in _captures(_CALLS, root).get("call", []):
        fn = node.child_by_field_name("function")
        args = node.child_by_field_name("arguments")
        guards, blocks, in_cond = _context(node)
        target, decl = _assigned(node)
        calls.append(
            CallSite(
                name=_text(fn).replace(" ", ""),
                args=tuple(_text(a) for a in (args.named_children if args else [])),
                text=_text(node),
                row=row_of(node.start_point[0]),
                guards=guards,
                blocks=blocks,
                assigned_to=target,
                declaration=decl,
                in_condition=in_cond,
                byte=node.start_byte,
                deref=node.parent is not None and node.parent.type == "field_expression",
                bare=_bare_blocks(node),
            )
        )
    assigns = []
    caps = _captures(_ASSIGNS, root)
    for node in caps.get("assign", []) + caps.get("init", []) + caps.get("update", []):
        guards, _, _ = _context(node)
        if node.type == "update_expression":
            left, right = _text(node.child_by_field_name("argument")), "1"
            op = "++" if "++" in _text(node) else "--"
        else:
            left = _text(node.child_by_field_name("left") or node.child_by_field_name("declarator"))
            right = _text(node.child_by_field_name("right") or node.child_by_field_name("value"))
            op = "="
            if node.type == "assignment_expression":
                op_node = node.child_by_field_name("operator")
                op = _text(op_node) if op_node is not None else "="
        assigns.append(
            AssignSite(
                left=" ".join(left.split()).lstrip("*"),
                op=op,
                right=" ".join(right.split()),
                row=row_of(node.start_point[0]),
                guards=guards,
                declaration=node.type == "init_declarator",
                byte=node.start_byte,
            )
        )
    assigns.sort(key=lambda a: a.byte)
    conds = []
    ccaps = _captures(_CONDS, root)
    for node in ccaps.get("if", []) + ccaps.get("while", []):
        cond = node.child_by_field_name("condition")
        conds.append(
            CondSite(
                text=_unparen(_text(cond)),
                row=row_of(node.start_point[0]),
                exits=node.type == "if_statement" and _exits(node),
                byte=node.start_byte,
            )
        )
    conds.sort(key=lambda c: c.byte)
    return Body(
        name="" if wrapped else _fn_name(root),
        params=() if wrapped else _params(root),
        calls=tuple(calls),
        assigns=tuple(assigns),
        conds=tuple(conds),
        text=text,
    )


def params_from_hint(hint: str) -> tuple[str, ...]:
    """Parameters of a function from git's ``@@`` header hint, when it is a prototype."""
    if "(" not in hint:
        return ()
    body = parse_body(hint.rstrip(";{ ") + "\n{\n}\n")
    return body.params


def branches(site: CallSite) -> tuple[int, ...]:
    """The enclosing blocks that decide whether ``site`` runs: ``blocks`` without the
    bare ``{ }`` scopes, which run whenever control reaches them."""
    return tuple(b for b in site.blocks if b not in site.bare)


def dominates(first: CallSite | AssignSite, later: CallSite | AssignSite) -> bool:
    """True if ``first`` runs on every path that reaches ``later`` (structurally: it comes
    earlier and sits in a block that encloses ``later``, under no extra condition)."""
    if first.byte >= later.byte:
        return False
    fb = branches(first) if isinstance(first, CallSite) else ()
    lb = branches(later) if isinstance(later, CallSite) else ()
    if len(fb) > len(lb) or lb[: len(fb)] != fb:
        return False
    return (
        len(first.guards) <= len(later.guards) and later.guards[: len(first.guards)] == first.guards
    )


@lru_cache(maxsize=8192)
def captures(query_src: str, side: FunctionSide) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Run a rule's own tree-sitter query over a side, parsed as diffparse parses it;
    returns (capture name, rows in the side's text) pairs."""
    from reviewbot.diffparse.cparse import parse_side

    ps = parse_side(side)
    out = []
    for name, nodes in sorted(_captures(_query(query_src), ps.tree.root_node).items()):
        rows = []
        for n in nodes:
            r = n.start_point[0]
            i = ps.rows[r] if 0 <= r < len(ps.rows) else None
            if i is not None:
                rows.append(i)
        out.append((name, tuple(rows)))
    return tuple(out)


@lru_cache(maxsize=256)
def _query(src: str) -> Query:
    return Query(_LANG, src)


def check_query(src: str) -> str | None:
    """None if ``src`` is a valid query, else the error text (for the rule loader)."""
    try:
        _query(src)
    except Exception as exc:  # tree-sitter raises several types for bad queries
        return str(exc)
    return None


def split_functions(text: str) -> list[tuple[str, str, int]]:
    """Every function definition of a whole C file: (name, text, 1-based first line)."""
    clean = blank_annotations(text)
    root = _PARSER.parse(clean.encode("utf-8", "replace")).root_node
    lines = text.splitlines()
    out = []
    for node in root.children:
        if node.type != "function_definition":
            continue
        body = parse_body(_text(node))
        first, last = node.start_point[0], node.end_point[0]
        out.append((body.name, "\n".join(lines[first : last + 1]), first + 1))
    return out
