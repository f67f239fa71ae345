"""cst: structure of function sides (guards, dominance, assignments) from tree-sitter."""

from __future__ import annotations

from reviewbot.rules.cst import dominates, parse_body, split_functions

WHOLE = """static int f(struct kiocb *iocb, struct iov_iter *from)
{
	if (force_sync)
		ret = filemap_write_and_wait(m);
	else if (x) {
		int r = filemap_fdatawrite(m);
	}
	v->flags |= B;
	st = fetch(fid);
	if (!st)
		return -EIO;
	return 0;
}
"""


def test_whole_function_name_params_and_calls() -> None:
    body = parse_body(WHOLE)
    assert body.name == "f"
    assert body.params == ("struct kiocb *iocb", "struct iov_iter *from")
    wait, start, fetch = body.calls
    assert wait.guards[0].cond == "force_sync" and wait.guards[0].branch == "then"
    assert [g.branch for g in start.guards] == ["else", "then"]
    assert start.declaration and start.assigned_to == "r"
    assert fetch.assigned_to == "st" and fetch.guards == ()
    assert fetch.row == 8


def test_assignments_and_exiting_conditions() -> None:
    body = parse_body(WHOLE)
    rmw = [a for a in body.assigns if a.op == "|="]
    assert rmw and rmw[0].left == "v->flags"
    assert [c.text for c in body.conds if c.exits] == ["!st"]


def test_fragment_with_unbalanced_braces_parses() -> None:
    frag = "\t\tclear_inode(inode);\n\t}\n\tnetfs_wait(inode);\n}\n"
    body = parse_body(frag)
    assert [c.name for c in body.calls] == ["clear_inode", "netfs_wait"]
    assert body.calls[0].row == 0 and body.calls[1].row == 2


def test_dominance_needs_an_enclosing_block() -> None:
    body = parse_body(
        "void g(void)\n{\n\tif (a)\n\t\tw1();\n\tw2();\n\tif (b) {\n\t\tw3();\n\t\tc();\n\t}\n}\n"
    )
    w1, w2, w3, c = body.calls
    assert dominates(w2, c) and dominates(w3, c)
    assert not dominates(w1, c) and not dominates(c, w3)


def test_a_bare_block_is_a_scope_not_a_branch() -> None:
    """Audit 2 #3: ``{ long t = wait(); }`` runs whenever control reaches it, so its
    calls dominate what follows; a block under a test or in a loop still does not."""
    body = parse_body(
        "void k(void)\n{\n\t{\n\t\tw1();\n\t\t{\n\t\t\tw2();\n\t\t}\n\t}\n"
        "\tif (a) {\n\t\tw3();\n\t}\n\twhile (b) {\n\t\tw4();\n\t}\n\tc();\n}\n"
    )
    w1, w2, w3, w4, c = body.calls
    assert dominates(w1, c) and dominates(w2, c) and dominates(w1, w2)
    assert not dominates(w3, c) and not dominates(w4, c)
    assert w2.bare and not c.bare
    # a fragment (hunk text, wrapped for parsing) keeps the same reading
    frag = parse_body("\t{\n\t\tw1();\n\t}\n\tc();\n")
    assert dominates(frag.calls[0], frag.calls[1])


def test_guard_text_keeps_inner_parentheses() -> None:
    body = parse_body("void h(void)\n{\n\tif (!is_bad(inode))\n\t\tx();\n}\n")
    assert body.calls[1].guards[0].cond == "!is_bad(inode)"


def test_split_functions_gives_real_lines() -> None:
    text = "int a;\n\nstatic void one(void)\n{\n}\n\nint two(int x)\n{\n\treturn x;\n}\n"
    assert [(n, first) for n, _t, first in split_functions(text)] == [("one", 3), ("two", 7)]
