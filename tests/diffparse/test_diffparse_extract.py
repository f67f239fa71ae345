"""reviewbot.diffparse: locating, repairing and parsing diffs; patch ids."""

from __future__ import annotations

import pytest
from diffparse_helpers import patch_of, patches, synthetic

from reviewbot.diffparse.repair import scan


def test_repair_restores_context_from_counts() -> None:
    lines = ["@@ -1,4 +1,4 @@ f", "a", "", "-b", "+c", "d"]
    result = scan(["--- a/x.c", "+++ b/x.c", *lines])
    (h,) = result.files[0].hunks
    assert h.lines == [" a", " ", "-b", "+c", " d"]
    assert h.repaired == 3 and not h.truncated


def test_truncated_hunk_is_closed_and_said() -> None:
    result = scan(["--- a/x.c", "+++ b/x.c", "@@ -1,5 +1,5 @@", " a", "-b", "+c"])
    (h,) = result.files[0].hunks
    assert h.truncated
    assert "@@ -1,2 +1,2 @@" in result.canonical()
    assert result.diagnostics[0].code == "truncated-hunk"


def test_signature_ends_the_patch() -> None:
    (p,) = patches("0100-synthetic-format-patch-ops-registration.patch")
    assert "2.47.0" not in p.diff_text
    assert p.commit_message.startswith("examplefs: wait for writeback")
    assert "insertions(+)" not in p.commit_message


def test_same_patch_same_id_across_transports() -> None:
    ids = {
        p.patch_id
        for name in (
            "0100-synthetic-format-patch-ops-registration.patch",
            "0104-synthetic-attachment-x-patch-base64.eml",
            "0107-synthetic-quoted-printable-latin1.eml",
            "0108-synthetic-crlf.eml",
            "0120-synthetic-context-lost-space.eml",
        )
        for p in patches(name)
    }
    assert len(ids) == 1 and "" not in ids
    # v2 and v3 of seed 001 carry the same diff; the first posting does not.
    v2 = patches("0002-seed-001-netfs-9p-umount-race-v2.mbox")[0]
    v3 = patches("0003-seed-001-netfs-9p-umount-race-v3.mbox")[0]
    first = patches("0001-seed-001-netfs-9p-umount-race.mbox")[0]
    assert v2.patch_id == v3.patch_id != first.patch_id


def test_binary_rename_mode_new_deleted() -> None:
    (b,) = patches("0113-synthetic-binary-diff.patch")
    assert [(f.path, f.status) for f in b.files] == [
        ("fs/examplefs/logo.bin", "added"),
        ("fs/examplefs/table.bin", "binary"),
        ("fs/examplefs/inode.c", "modified"),
    ]
    (r,) = patches("0114-synthetic-rename-and-mode.patch")
    ren, mode = r.files
    assert (ren.old_path, ren.new_path, ren.status) == (
        "fs/examplefs/old_name.c",
        "fs/examplefs/new_name.c",
        "renamed",
    )
    assert (mode.status, mode.old_mode, mode.new_mode) == ("mode", "100644", "100755")
    (nd,) = patches("0115-synthetic-new-and-deleted-file.patch")
    new, gone = nd.files
    assert (new.old_path, new.new_path, new.status, new.new_mode) == (
        None,
        "fs/examplefs/quota.c",
        "added",
        "100644",
    )
    assert (gone.old_path, gone.new_path, gone.status) == ("fs/examplefs/legacy.c", None, "deleted")
    assert new.hunks[0].lines[0].new_lineno == 1 and new.hunks[0].lines[0].old_lineno is None


def test_blob_ids_and_line_numbers() -> None:
    (p,) = patches("0001-seed-001-netfs-9p-umount-race.mbox")
    f = p.files[0]
    assert (f.old_blob, f.new_blob) == ("8c9a896d691e", "57cfa9f65046")
    added = next(x for x in f.hunks[0].lines if x.kind == "added")
    assert (added.new_lineno, added.old_lineno) == (357, None)
    assert added.text == "\t\tnetfs_wait_for_outstanding_io(inode);"
    assert added.posted == "+\t\tnetfs_wait_for_outstanding_io(inode);"


def test_quoted_reply_unquotes_across_reviewer_comment() -> None:
    (p,) = patches("0109-synthetic-reply-quoting-patch.eml")
    assert "quoted-patch" in [d.code for d in p.diagnostics]
    (f,) = p.files
    assert f.path == "(unknown)"
    texts = [x.text for x in f.hunks[0].lines if x.kind == "added"]
    assert "\t\terr = filemap_write_and_wait(inode->i_mapping);" in texts
    assert "Why not return" not in p.diff_text


def test_no_diff_is_valid_input() -> None:
    (p,) = patches("0116-synthetic-empty-message.eml")
    assert p.files == () and [d.code for d in p.diagnostics] == ["no-diff"]


@pytest.mark.parametrize("size", [10 * 1024 * 1024])
def test_ten_megabyte_patch(size: int) -> None:
    from reviewbot.diffparse import extract_patch
    from reviewbot.mail import parse_message

    data = synthetic().huge_patch(size)
    assert len(data) >= size
    p = extract_patch(parse_message(data, "huge"))
    assert not p.degraded
    assert len(p.files) > 300
    assert all(len(f.hunks) == 2 for f in p.files)


def test_plain_unified_diff_without_git_headers() -> None:
    p = patch_of(
        "Subject: [PATCH] x\nMessage-ID: <u@x>\n\nfix\n---\n"
        "--- a/fs/x.c\n+++ b/fs/x.c\n@@ -1,2 +1,2 @@\n int f(void)\n-{\n+{ \n"
        "--- a/fs/y.c\n+++ b/fs/y.c\n@@ -5 +5 @@\n-a\n+b\n"
    )
    assert [f.path for f in p.files] == ["fs/x.c", "fs/y.c"]


def test_one_long_added_line_is_not_collapsed_text() -> None:
    table = '+static const char table[] = "' + "ab" * 1500 + '";'
    p = patch_of(
        "Subject: [PATCH] t\nMessage-ID: <t@x>\n\n---\n--- a/fs/t.c\n+++ b/fs/t.c\n"
        f"@@ -1,1 +1,2 @@\n int x;\n{table}\n"
    )
    assert not p.degraded and p.files[0].hunks[0].new_count == 2
