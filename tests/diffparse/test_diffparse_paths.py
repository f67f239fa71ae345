"""git's C-quoted file names in diff headers (audit #20)."""

from __future__ import annotations

from diffparse_helpers import patch_of, patches

from reviewbot.diffparse import changed_functions
from reviewbot.diffparse.paths import git_line_paths, header_path, unquote


def test_unquote_decodes_octal_utf8_and_c_escapes() -> None:
    assert unquote('"a/fs/caf\\303\\251.c"') == ("a/fs/café.c", "")
    assert unquote('"a/x\\ty\\"z\\\\.c"\ttail') == ('a/x\ty"z\\.c', "\ttail")
    assert unquote("a/plain.c") is None
    assert unquote('"a/unterminated.c') is None
    assert unquote('"a/\\q.c"') is None  # git writes no such escape


def test_header_path_strips_prefix_quotes_and_timestamp() -> None:
    assert header_path('"b/fs/caf\\303\\251.c"') == "fs/café.c"
    assert header_path("a/fs/x.c\t2026-03-02 10:00:00") == "fs/x.c"
    assert header_path("/dev/null") is None
    # a terminal must not act on what a hostile name holds
    assert header_path('"a/fs/ino\\nERROR\\033[31m.c"') == "fs/ino\\x0aERROR\\x1b[31m.c"
    assert header_path("a/fs/in\u202eode.c") == "fs/in\\u202eode.c"


def test_git_line_paths_quoted_and_plain() -> None:
    assert git_line_paths('"a/fs/caf\\303\\251.c" "b/fs/caf\\303\\251.c"') == (
        "fs/café.c",
        "fs/café.c",
    )
    assert git_line_paths('a/fs/old.c "b/fs/n\\303\\251w.c"') == ("fs/old.c", "fs/néw.c")
    assert git_line_paths("a/fs/x.c b/fs/x.c") == ("fs/x.c", "fs/x.c")
    assert git_line_paths("garbage") == (None, None)


def test_quoted_path_is_one_modified_file_and_analysed() -> None:
    """The audit's repro: a quoted UTF-8 name used to show as a rename to the literal
    quoted text, whose functions were never looked at (not a .c name)."""
    (p,) = patches("0182-synthetic-audit-quoted-utf8-path.patch")
    (f,) = p.files
    assert (f.status, f.old_path, f.new_path) == ("modified", *(["fs/examplefs/inöde.c"] * 2))
    names = [c.name for c in changed_functions(p)]
    assert "examplefs_getattr" in names and "examplefs_evict_inode" in names


def test_quoted_name_without_hunks_comes_from_the_diff_git_line() -> None:
    text = (
        "From: a <a@example.org>\nSubject: [PATCH] x\nMessage-ID: <q@example.org>\n\n"
        "synthetic: a mode change of a file with a quoted name\n---\n"
        'diff --git "a/fs/caf\\303\\251.c" "b/fs/caf\\303\\251.c"\n'
        "old mode 100644\nnew mode 100755\n"
    )
    (f,) = patch_of(text).files
    assert (f.status, f.old_path, f.new_path) == ("mode", "fs/café.c", "fs/café.c")
