"""Changed functions, facts, registrations and the parse_side helper."""

from __future__ import annotations

import itertools

import pytest
from diffparse_helpers import patch_of, patches

from reviewbot.diffparse import changed_functions, functions_in_source
from reviewbot.diffparse.cparse import brace_balance, language, parse_side
from reviewbot.diffparse.owners import code_only, hint_name
from reviewbot.model import ChangedFunction


def funcs(name: str) -> dict[str, ChangedFunction]:
    (p,) = patches(name)
    return {c.name: c for c in changed_functions(p)}


def test_functions_sides_and_registration() -> None:
    f = funcs("0100-synthetic-format-patch-ops-registration.patch")
    assert list(f) == ["examplefs_getattr", "examplefs_evict_inode", "examplefs_put_req"]
    g = f["examplefs_getattr"]
    assert g.registered_as == (".getattr",)
    assert g.before is not None and g.after is not None
    assert (g.before.first_line, g.after.first_line) == (40, 40)
    before = {(c.name, c.kind, c.line) for c in g.before.calls}
    after = {(c.name, c.kind, c.line) for c in g.after.calls}
    assert ("filemap_fdatawrite", "removed", 48) in before
    assert ("filemap_write_and_wait", "added", 48) in after
    assert ("unlikely", "added", 49) in after
    assert any(
        a.left == "err" and a.right.startswith("filemap_write_and_wait")
        for a in g.after.assignments
    )
    assert "unlikely(err)" in [c.text for c in g.after.conditions]
    new = f["examplefs_put_req"]
    assert new.before is None and new.after is not None
    assert [c.name for c in new.after.calls] == ["atomic_dec_and_test", "wake_up_var", "kfree"]
    evict = f["examplefs_evict_inode"]
    assert evict.after is not None
    assert ("wait_var_event", "added") in {(c.name, c.kind) for c in evict.after.calls}
    assert any(a.op == "&=" and a.kind == "context" for a in evict.after.assignments)


def test_new_and_deleted_files() -> None:
    f = funcs("0115-synthetic-new-and-deleted-file.patch")
    assert f["examplefs_quota_init"].before is None
    assert f["examplefs_legacy"].after is None
    assert f["examplefs_legacy"].before is not None
    assert [c.name for c in f["examplefs_legacy"].before.calls] == ["pr_info"]


def test_labels_gotos_returns_and_multi_hunk_gaps() -> None:
    f = funcs("0020-webcopy-seed-000-9p-getattr-writeback.txt")
    g = f["v9fs_vfs_getattr"]
    assert g.hunks == (1, 2) and g.after is not None
    assert "fill" in g.after.labels and "fill" in g.after.gotos
    nums = g.after.line_numbers
    assert nums[0] == g.after.first_line and len(nums) == len(g.after.line_kinds)
    assert any(b - a > 1 for a, b in itertools.pairwise(nums))  # two hunks, a gap


def test_parse_side_maps_rows_to_file_lines() -> None:
    from tree_sitter import Query, QueryCursor

    f = funcs("0100-synthetic-format-patch-ops-registration.patch")
    side = f["examplefs_getattr"].after
    assert side is not None
    ps = parse_side(side)
    q = Query(language(), "(call_expression function: (identifier) @fn)")
    found = sorted(QueryCursor(q).captures(ps.tree.root_node)["fn"], key=lambda n: n.start_byte)
    rows = [(ps.line_of(n.start_point[0]), ps.kind_of(n.start_point[0]), ps.text(n)) for n in found]
    assert (48, "added", "filemap_write_and_wait") in rows
    assert all(line is not None for line, _k, _t in rows)


def test_hint_names() -> None:
    assert hint_name("static void v9fs_begin_writeback(struct netfs_io_request *wreq)") == (
        "v9fs_begin_writeback"
    )
    assert hint_name("v9fs_vfs_getattr(struct mnt_idmap *idmap, const struct path *path,") == (
        "v9fs_vfs_getattr"
    )
    assert hint_name("struct v9fs_session_info {") is None
    assert hint_name("again:") is None
    assert hint_name("") is None


def test_label_hint_inherits_the_open_function() -> None:
    f = funcs("0005-seed-003-bcachefs-revert-lockless-buffered-io.mbox")
    assert set(f) == {"__bch2_buffered_write", "bch2_buffered_write", "bch2_write_iter"}
    assert 5 in f["bch2_buffered_write"].hunks


def test_function_renamed_in_place_is_one_function() -> None:
    p = patch_of(
        "Subject: [PATCH] r\nMessage-ID: <r@x>\n\n---\n"
        "--- a/fs/x.c\n+++ b/fs/x.c\n@@ -1,4 +1,4 @@\n"
        "-static int old_name(void)\n+static int new_name(void)\n {\n \treturn 0;\n }\n"
    )
    (cf,) = changed_functions(p)
    assert cf.name == "new_name" and cf.before is not None and cf.after is not None
    assert (cf.before.name, cf.after.name) == ("old_name", "new_name")


def test_functions_in_source_handles_kernel_idioms() -> None:
    src = (
        "static int __maybe_unused foo(struct inode *inode)\n{\n"
        "\tstruct ex_inode *ei = EX_I(inode);\n"
        "\tlist_for_each_entry(p, &ei->list, link) {\n\t\tp->flags |= EX_DIRTY;\n\t}\n"
        "\tif (likely(ei->size))\n\t\tgoto out;\nout:\n"
        "\treturn container_of(inode, struct ex_inode, vfs);\n}\n"
        "#ifdef CONFIG_EX\nstatic inline void bar(void)\n{\n\tspin_lock(&l);\n}\n#endif\n"
    )
    foo, bar = functions_in_source(src, "fs/ex/x.c")
    assert (foo.name, foo.first_line, foo.complete) == ("foo", 1, True)
    assert [c.name for c in foo.calls] == ["EX_I", "list_for_each_entry", "likely", "container_of"]
    assert foo.calls[-1].args == ("inode", "struct ex_inode", "vfs")
    assert ("p->flags", "|=", "EX_DIRTY", 5) in {
        (a.left, a.op, a.right, a.line) for a in foo.assignments
    }
    assert ("ei", True) in {(a.left, a.declaration) for a in foo.assignments}
    assert foo.labels == ("out",) and foo.gotos == ("out",)
    assert (bar.name, bar.first_line) == ("bar", 13)


def test_hunk_after_the_hint_function_is_file_scope() -> None:
    # The @@ hint names ext2_dax_writepages, but the hunk changes the aops table below it.
    first, _review = patches("0004-seed-002-ext2-iomap-seq-counter.mbox")
    names = {c.name for c in changed_functions(first)}
    assert "ext2_dax_writepages" not in names
    assert {"ext2_write_map_blocks", "ext2_imap_valid", "ext2_inc_i_blkseq"} <= names


def test_comment_only_change_does_not_mark_the_hint_function() -> None:
    p = patch_of(
        "Subject: [PATCH] c\nMessage-ID: <c@x>\n\n---\n--- a/fs/x.c\n+++ b/fs/x.c\n"
        "@@ -12,1 +12,7 @@ static int before_me(void)\n \n"
        "+/**\n+ * after_me - a new helper\n+ */\n+int after_me(void)\n+{\n+}\n"
    )
    assert [c.name for c in changed_functions(p)] == ["after_me"]


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ("} else {", (1, 1, False, False)),
        (" * see foo() { */ {", (0, 1, True, False)),
        ("a { /* } */ \"}\" '{'", (0, 1, False, False)),
        ("x = 1; /* {", (0, 0, False, True)),
        ("y(); // }", (0, 0, False, False)),
    ],
)
def test_brace_balance_skips_comments_and_strings(
    text: str, expect: tuple[int, int, bool, bool]
) -> None:
    assert brace_balance(text) == expect


def test_code_only_follows_block_comments_across_lines() -> None:
    assert code_only(["a(); /* x {", " * } y", " */ b(); // {", "c();"]) == [
        "a(); ",
        "",
        " b(); ",
        "c();",
    ]
