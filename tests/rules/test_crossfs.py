"""Rules on real patches from other filesystems (fixtures 0200-0206, real list mail):
the role is found by structure, the facts and lines are right, and cleanups that touch
the same functions stay quiet. See fixtures/patches/SOURCES.md for where each came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewbot.model import Finding
from tests.rules import kit

CIFS_GETATTR = kit.FIX / "0200-cifs-getattr-fdatawait-to-write-and-wait.mbox"
CEPH_EVICT = kit.FIX / "0201-ceph-evict-wait-for-outstanding-io.mbox"
CEPH_FLAGS = kit.FIX / "0205-ceph-caps-flush-force-flag.mbox"
QUIET = [
    kit.FIX / "0202-neg-ceph-evict-quota-helper-rename.mbox",
    kit.FIX / "0203-neg-fuse-getattr-statx-enosys.mbox",
    kit.FIX / "0204-neg-fuse-getattr-empty-request-mask.mbox",
    kit.FIX / "0206-neg-multi-fs-buffered-write-backing-dev-info.mbox",
    kit.FIX / "0207-neg-xfs-map-blocks-cow-retry-reset.mbox",
    kit.FIX / "0208-neg-xfs-map-blocks-iext-lookup.mbox",
]


def _only(path: Path) -> Finding:
    (f,) = kit.run(kit.messages(path)[0]).findings
    return f


def _fact(f: Finding, side: str, name: str) -> tuple[str, bool, int | None]:
    (fact,) = [x for x in f.facts if x.side == side and x.name == name]
    return fact.value, fact.assumed, fact.line


def test_cifs_getattr_role_found_without_the_kstat_or_the_request_in_the_hunk() -> None:
    """cifs_getattr's hunk shows neither the kstat nor the revalidation that asks the
    server: only the first signature line (const struct path *), the STATX_ test and
    the flush. fdatawait() alone became filemap_write_and_wait()."""
    f = _only(CIFS_GETATTR)
    assert (f.rule, f.function, f.file, f.line) == (
        "flush-without-wait-before-remote-stat",
        "cifs_getattr",
        "fs/cifs/inode.c",
        2443,
    )
    assert _fact(f, "before", "flush") == ("none", False, 2443)
    assert _fact(f, "after", "flush") == ("write_and_wait", False, 2443)
    # How cifs applies the server's size is not in the patch: it decides the verdict,
    # and the finding says so instead of claiming a fix.
    assert f.verdict == "inconclusive"
    assert "turns on size_update" in f.message and "fixes the race" in f.message
    # __cifs_writev/__cifs_readv take a kiocb and an iov_iter but write directly: quiet.


def test_cifs_getattr_role_survives_renaming() -> None:
    msg = kit.messages(CIFS_GETATTR)[0]
    (f,) = kit.run(kit.renamed(msg)).findings
    assert (f.rule, f.verdict) == ("flush-without-wait-before-remote-stat", "inconclusive")
    assert dict(f.knobs_before)["flush"] == "none"
    assert dict(f.knobs_after)["flush"] == "write_and_wait"


def test_ceph_evict_wait_is_a_fix_and_its_reverse_introduces() -> None:
    f = _only(CEPH_EVICT)
    assert (f.rule, f.function, f.verdict, f.line) == (
        "evict-without-waiting-for-io",
        "ceph_evict_inode",
        "fixes",
        698,
    )
    assert _fact(f, "before", "wait_for_io")[:2] == ("no", False)
    assert _fact(f, "after", "wait_for_io")[:2] == ("yes", False)
    msg = kit.messages(CEPH_EVICT)[0]
    back = kit.run(kit.text_message(kit.reverse(msg.body)))
    assert kit.verdicts(back) == [
        ("evict-without-waiting-for-io", "ceph_evict_inode", "introduces")
    ]


def test_ceph_plain_or_on_a_bitop_word_is_reported_on_the_added_line() -> None:
    """handle_cap_grant() gains "ci->i_ceph_flags |= CEPH_I_FLUSH_FORCE" while
    __prep_cap() clears bits of the same word with clear_bit(). Whether the caller's
    i_ceph_lock covers it is not in the patch: a low-confidence finding, not a claim."""
    f = _only(CEPH_FLAGS)
    assert (f.rule, f.function, f.line) == ("nonatomic-flags-update", "handle_cap_grant", 3771)
    assert _fact(f, "after", "atomic") == ("no", False, 3771)
    assert f.verdict == "inconclusive" and f.confidence == "low"
    bits = next(x.text for x in f.facts if x.side == "after" and x.name == "bits")
    # FOO_BIT and FOO name one flag; CEPH_I_FLUSH_BIT is not "CEPH_I_FLUSH_".
    assert "CEPH_I_FLUSH," in bits and "CEPH_I_FLUSH_," not in bits
    assert "CEPH_I_FLUSH_FORCE" in bits


@pytest.mark.parametrize("path", QUIET, ids=lambda p: p.name[:4])
def test_cleanups_touching_the_same_roles_stay_quiet(path: Path) -> None:
    """ceph_evict_inode quota helper rename, fuse_update_get_attr statx fixes, a
    ceph/ext4/f2fs/nfs buffered-write cleanup (nfs_file_write writes inside its own
    nfs_start_io_write()/nfs_end_io_write() bracket, which the patch does not show), and
    two xfs_map_blocks changes (a CoW retry fix and a lookup cleanup) that leave the
    data/cow fork sequence checks alone."""
    for msg in kit.messages(path):
        assert kit.run(msg).findings == ()
