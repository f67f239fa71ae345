"""The damaged seeds against their intact originals (DESIGN.md, "Damaged input")."""

from __future__ import annotations

import re

from diffparse_helpers import patches

from reviewbot.diffparse import changed_functions
from reviewbot.model import Patch


def shape(p: Patch) -> list[tuple[object, ...]]:
    """Files, hunks and lines, whitespace-normalised (the web copy lost indentation)."""
    out: list[tuple[object, ...]] = []
    for f in p.files:
        for h in f.hunks:
            lines = tuple((x.kind, " ".join(x.text.split())) for x in h.lines)
            out.append(
                (f.path, f.status, h.old_start, h.old_count, h.new_start, h.new_count, lines)
            )
    return out


def test_seed_001_web_copy_equals_intact_original() -> None:
    (web,) = patches("0021-webcopy-seed-001-netfs-9p-umount-race.txt")
    (intact,) = patches("0001-seed-001-netfs-9p-umount-race.mbox")
    assert len(intact.files) == 5
    assert shape(web) == shape(intact)
    assert web.patch_id == intact.patch_id != ""
    assert not web.degraded and all(h.repaired for f in web.files for h in f.hunks)
    assert "repaired-context" in [d.code for d in web.diagnostics]
    names = lambda p: [(c.file, c.name) for c in changed_functions(p)]  # noqa: E731
    assert names(web) == names(intact)
    assert ("include/linux/netfs.h", "netfs_wait_for_outstanding_io") in names(web)


def test_seed_000_matches_its_own_diffstat() -> None:
    (web,) = patches("0020-webcopy-seed-000-9p-getattr-writeback.txt")
    text = web.message.body
    stat = dict(re.findall(r"^(\S+) \| (\d+) ", text, re.MULTILINE))
    got = {
        f.path: sum(1 for h in f.hunks for x in h.lines if x.kind != "context") for f in web.files
    }
    assert got == {k: int(v) for k, v in stat.items()}
    added = sum(1 for f in web.files for h in f.hunks for x in h.lines if x.kind == "added")
    removed = sum(1 for f in web.files for h in f.hunks for x in h.lines if x.kind == "removed")
    assert (len(web.files), added, removed) == (6, 147, 55)
    for f in web.files:
        for h in f.hunks:
            assert sum(x.kind != "added" for x in h.lines) == h.old_count
            assert sum(x.kind != "removed" for x in h.lines) == h.new_count


def test_seed_000_functions_ignore_the_wrong_hunk_header() -> None:
    (web,) = patches("0020-webcopy-seed-000-9p-getattr-writeback.txt")
    funcs = {(c.file, c.name): c for c in changed_functions(web)}
    issue = funcs[("fs/9p/vfs_addr.c", "v9fs_issue_write")]
    assert "v9fs_begin_writeback" in issue.header_hint
    assert ("fs/9p/vfs_addr.c", "v9fs_begin_writeback") not in funcs
    getattr_ = funcs[("fs/9p/vfs_inode_dotl.c", "v9fs_vfs_getattr_dotl")]
    assert getattr_.before is not None and getattr_.after is not None
    before_calls = {(c.name, c.kind) for c in getattr_.before.calls}
    after_calls = {(c.name, c.kind) for c in getattr_.after.calls}
    assert ("filemap_fdatawrite", "removed") in before_calls
    assert ("filemap_write_and_wait", "added") in after_calls
    stat = funcs[("fs/9p/vfs_inode.c", "v9fs_stat2inode")]
    assert stat.before is not None
    assert any(
        a.left == "v9inode->cache_validity" and a.op == "&=" and a.kind == "removed"
        for a in stat.before.assignments
    )


def test_seed_002_and_003_collapsed_are_degraded_not_errors() -> None:
    (p2,) = patches("0022-webcopy-seed-002-ext2-iomap-seq-counter.txt")
    (p3,) = patches("0023-webcopy-seed-003-bcachefs-revert-lockless-io.txt")
    for p in (p2, p3):
        assert p.degraded and p.files == () and p.recovered is not None
        (diag,) = p.diagnostics
        assert diag.code == "collapsed-newlines" and "line breaks were collapsed" in diag.message
    assert p3.recovered is not None
    assert p3.recovered.files == ("fs/bcachefs/fs-io-buffered.c",)
    assert {"__bch2_buffered_write", "bch2_write_iter"} <= set(p3.recovered.functions)
    assert "inode_lock" in p3.recovered.calls
    assert p2.recovered is not None and "ext2_get_blocks" in p2.recovered.calls


def test_seed_004_commit_message_without_diff() -> None:
    (p,) = patches("0024-webcopy-seed-004-iomap-write-validity-checks.txt")
    assert p.files == () and p.degraded
    assert "partial folio writes" in (p.recovered.commit_message if p.recovered else "")
    assert [d.code for d in p.diagnostics] == ["collapsed-newlines", "no-diff"]


def test_seed_002_quoted_patch_in_review() -> None:
    _patch, review = patches("0004-seed-002-ext2-iomap-seq-counter.mbox")
    codes = [d.code for d in review.diagnostics]
    assert "quoted-patch" in codes
    assert "fs/ext2/super.c" in [f.path for f in review.files]
    names = {c.name for c in changed_functions(review)}
    assert {"ext2_inc_i_blkseq", "ext2_alloc_inode"} <= names
