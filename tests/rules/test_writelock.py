"""The inode_lock fact of size-update-without-inode-lock (extract/writelock.py): hunks of
one function are not read as if the lines between them were seen, and the filesystems'
wrappers that take i_rwsem count as the inode lock, in the mode they take it."""

from __future__ import annotations

import pytest

from reviewbot import diffparse
from reviewbot.model import ChangedFunction, FunctionSide
from reviewbot.rules.context import SideView, peers_of, view
from reviewbot.rules.cst import parse_body
from reviewbot.rules.extract import EXTRACTORS
from tests.rules import kit

RULE = "size-update-without-inode-lock"
EXT4_1LINE = kit.FIX / "0160-synthetic-audit-ext4-lock-in-other-hunk.patch"
BTRFS = kit.FIX / "0161-synthetic-audit-btrfs-inode-lock-wrapper.patch"
XFS = kit.FIX / "0162-synthetic-audit-xfs-iolock-for-write.patch"


def _facts(body: str) -> dict[str, object]:
    """inode_lock per side of the patch's only function, as the extractor reads it."""
    patch = diffparse.extract_patch(kit.text_message(body))
    (fn,) = diffparse.changed_functions(patch)
    out: dict[str, object] = {}
    for side in ("before", "after"):
        v = view(fn, side, peers_of((fn,), side, patch.diff_text))
        assert v is not None
        out[side] = EXTRACTORS["writelock.inode_lock"](v)
    return out


def test_lock_and_write_in_different_hunks() -> None:
    """Audit #6: the lock is in the first hunk, the write in the second. The old
    unconditional inode_lock() is still read as taken on every path (it is a statement
    of the function's outermost block, and nothing before it is hidden); the new one
    under ``if (extending)`` is conditional. The texts say the lines between are not
    shown, and the knob change is found."""
    facts = _facts(kit.body_of(EXT4_1LINE))
    before, after = facts["before"], facts["after"]
    assert before is not None and after is not None
    assert before.value == "always", before  # type: ignore[attr-defined]
    assert after.value == "extending_only", after  # type: ignore[attr-defined]
    assert "not in the patch" in before.text  # type: ignore[attr-defined]
    assert "only if extending" in after.text  # type: ignore[attr-defined]
    (finding,) = [f for f in kit.run(kit.messages(EXT4_1LINE)[0]).findings if f.rule == RULE]
    assert dict(finding.knobs_before)["inode_lock"] == "always"
    assert dict(finding.knobs_after)["inode_lock"] == "extending_only"


def _drop_prefix_goto(body: str) -> str:
    """The same patch with a ``goto`` before the lock: a jump could skip it."""
    out = body.replace(" \t\treturn -EOPNOTSUPP;", " \t\tgoto out;")
    assert out != body
    return out


def test_a_jump_before_the_lock_leaves_the_gap_undecided() -> None:
    """With a goto above the lock, the hidden lines may hold its label: the lock is not
    shown to run on every path to the write in the next hunk, so nothing is claimed."""
    facts = _facts(_drop_prefix_goto(kit.body_of(EXT4_1LINE)))
    assert facts["before"] is None


def _side(text: str, numbers: tuple[int, ...]) -> SideView:
    side = FunctionSide(
        name="zz_write",
        text=text,
        first_line=numbers[0],
        line_kinds=("context",) * len(numbers),
        complete=False,
        line_numbers=numbers,
    )
    fn = ChangedFunction(
        file="fs/zz/file.c",
        name="zz_write",
        before=None,
        after=side,
        header_hint="static ssize_t zz_write(struct kiocb *iocb, struct iov_iter *from)",
    )
    from reviewbot.rules.cst import side_body

    return SideView(fn=fn, side="after", fs=side, body=side_body(side))


def test_a_lock_in_a_hunk_that_does_not_start_the_function_is_not_shown() -> None:
    """Synthetic fragments: the first hunk starts inside the body, so a block opened
    above it may close between the hunks; lock and write are both unguarded in their
    own hunks, yet nothing says the lock covers the write."""
    text = (
        "\tinode_lock(inode);\n\tret = zz_checks(iocb, from);\n"
        "\tret = generic_perform_write(iocb, from);\n\tinode_unlock(inode);"
    )
    v = _side(text, (20, 21, 40, 41))
    assert EXTRACTORS["writelock.inode_lock"](v) is None
    # the same lines as one hunk: the lock dominates the write
    v = _side(text, (20, 21, 22, 23))
    obs = EXTRACTORS["writelock.inode_lock"](v)
    assert obs is not None and obs.value == "always"


@pytest.mark.parametrize(
    ("head", "value"),
    [
        ("", "always"),
        # a loop head right above: the lock is its body, not a statement of the block
        ("\twhile (zz_busy(inode))\n", None),
        # a jump above it may land past it, in the lines not shown
        ("\tif (zz_fast(iocb))\n\t\tgoto write;\n", None),
    ],
)
def test_a_lock_at_the_top_of_the_first_hunk(head: str, value: str | None) -> None:
    """Synthetic fragments: the first hunk opens the function's body; the write is in a
    later hunk."""
    text = (
        "{\n\tssize_t ret;\n\n" + head + "\tinode_lock(inode);\n\tret = zz_checks(iocb);\n"
        "\tret = generic_perform_write(iocb, from);\n\tinode_unlock(inode);"
    )
    n = text.count("\n") + 1
    obs = EXTRACTORS["writelock.inode_lock"](_side(text, (*range(7, 7 + n - 2), 60, 61)))
    assert (obs.value if obs else None) == value, obs


def test_btrfs_inode_lock_is_the_inode_lock() -> None:
    """Audit #11: btrfs_inode_lock() without BTRFS_ILOCK_SHARED is inode_lock() (or its
    trylock); the patch, which touches only the error test, leaves nothing to report."""
    facts = _facts(kit.body_of(BTRFS))
    for side in ("before", "after"):
        obs = facts[side]
        assert obs is not None and obs.value == "always", obs  # type: ignore[attr-defined]
        assert "btrfs_inode_lock()" in obs.text  # type: ignore[attr-defined]
    assert not [f for f in kit.run(kit.messages(BTRFS)[0]).findings if f.rule == RULE]


def test_xfs_iolock_mode_decides() -> None:
    """XFS_IOLOCK_EXCL through xfs_ilock_iocb()/xfs_ilock_iocb_for_write() is i_rwsem
    taken exclusive: no finding. Switched to XFS_IOLOCK_SHARED, writers no longer
    exclude each other: the patch introduces the race."""
    body = kit.body_of(XFS)
    facts = _facts(body)
    assert [facts[s].value for s in ("before", "after")] == ["always", "always"]  # type: ignore[attr-defined]
    assert not [f for f in kit.run(kit.messages(XFS)[0]).findings if f.rule == RULE]
    shared = body.replace(
        "+\tret = xfs_ilock_iocb_for_write(iocb, &iolock);",
        "+\tret = xfs_ilock_iocb(iocb, XFS_IOLOCK_SHARED);",
    )
    assert shared != body
    facts = _facts(shared)
    after = facts["after"]
    assert after is not None and after.value == "never", after  # type: ignore[attr-defined]
    (finding,) = [f for f in kit.run(kit.text_message(shared)).findings if f.rule == RULE]
    assert finding.verdict == "introduces"


WRITER = """static ssize_t zz_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	DECL
	ssize_t ret;

	LOCK;
	ret = generic_perform_write(iocb, from);
	return ret;
}
"""


def _whole(lock: str, decl: str = "") -> SideView:
    text = WRITER.replace("LOCK", lock).replace("DECL", decl)
    side = FunctionSide(
        name="zz_write",
        text=text,
        first_line=10,
        line_kinds=("context",) * (text.count("\n") + 1),
        complete=True,
    )
    fn = ChangedFunction(file="fs/zz/file.c", name="zz_write", before=None, after=side)
    return SideView(fn=fn, side="after", fs=side, body=parse_body(text))


@pytest.mark.parametrize(
    ("lock", "decl", "value"),
    [
        ("inode_lock(inode)", "", "always"),
        ("xfs_ilock(XFS_I(inode), XFS_IOLOCK_EXCL | XFS_MMAPLOCK_EXCL)", "", "always"),
        ("xfs_ilock(XFS_I(inode), XFS_IOLOCK_SHARED)", "", "never"),
        # the inner ilock is not i_rwsem
        ("xfs_ilock(XFS_I(inode), XFS_ILOCK_EXCL)", "", "never"),
        ("btrfs_inode_lock(BTRFS_I(inode), 0)", "", "always"),
        ("btrfs_inode_lock(BTRFS_I(inode), BTRFS_ILOCK_SHARED)", "", "never"),
        ("nfs_start_io_write(inode)", "", "always"),
        ("netfs_start_io_write(inode)", "", "always"),
        ("inode_lock_shared(inode)", "", "never"),
        # a read lock on something else is not the inode lock taken shared
        ("down_read(&zz_sb->rwsem)", "", "never"),
        # the mode is a variable the function sets: read from its assignment
        ("xfs_ilock(XFS_I(inode), iolock)", "unsigned int iolock = XFS_IOLOCK_EXCL;", "always"),
    ],
)
def test_lock_wrappers_and_modes(lock: str, decl: str, value: str) -> None:
    obs = EXTRACTORS["writelock.inode_lock"](_whole(lock, decl))
    assert obs is not None and obs.value == value, obs


def test_a_mode_the_function_does_not_set_is_not_guessed() -> None:
    """``xfs_ilock(ip, mode)`` with ``mode`` a parameter: exclusive or shared is not shown."""
    obs = EXTRACTORS["writelock.inode_lock"](_whole("xfs_ilock(XFS_I(inode), mode)"))
    assert obs is None


def test_trylock_and_lock_in_the_two_branches_cover_every_path() -> None:
    lock = (
        "if (iocb->ki_flags & IOCB_NOWAIT) { if (!inode_trylock(inode)) return -EAGAIN; }"
        " else { inode_lock(inode); }"
    )
    obs = EXTRACTORS["writelock.inode_lock"](_whole(lock))
    assert obs is not None and obs.value == "always"
    only = "if (iocb->ki_flags & IOCB_APPEND) inode_lock(inode)"
    obs = EXTRACTORS["writelock.inode_lock"](_whole(only))
    assert obs is not None and obs.value == "extending_only"


def test_a_spinlock_in_another_hunk_does_not_cover_the_size_update() -> None:
    """Synthetic fragments: spin_lock() in one hunk, the guarded i_size_write() in the
    next. Whether the lock is still held there is in the lines not shown: no fact. In one
    hunk the same lines say the update runs under it."""
    text = (
        "\tspin_lock(&inode->i_lock);\n\tzz_note(inode);\n"
        "\tif (end > inode->i_size)\n\t\ti_size_write(inode, end);\n"
        "\tret = generic_perform_write(iocb, from);"
    )
    split = _side(text, (30, 31, 50, 51, 52))
    assert EXTRACTORS["writelock.isize_update"](split) is None
    whole = _side(text, (30, 31, 32, 33, 34))
    obs = EXTRACTORS["writelock.isize_update"](whole)
    assert obs is not None and obs.value == "i_lock"


XFS_SPLIT = kit.FIX / "0163-synthetic-audit-xfs-split-header-shared-iolock.patch"


def test_return_type_on_the_line_above_keeps_the_parameters() -> None:
    """xfs puts 'STATIC ssize_t' on its own line, and a hunk may start at the name:
    the parameters must still be read, so the buffered-write role matches and the
    switch to a shared iolock is reported."""
    patch = diffparse.extract_patch(kit.messages(XFS_SPLIT)[0])
    (fn,) = diffparse.changed_functions(patch)
    assert fn.before is not None
    params = view(fn, "before", {}).params
    assert [" ".join(p.split()) for p in params] == ["struct kiocb *iocb", "struct iov_iter *from"]
    found = [f for f in kit.run(kit.messages(XFS_SPLIT)[0]).findings if f.rule == RULE]
    assert [(f.function, f.verdict) for f in found] == [("xfs_file_buffered_write", "introduces")]


MID = kit.FIX / "0164-synthetic-audit2-write-iter-hunk-below-the-lock.patch"
CUT = kit.FIX / "0165-synthetic-audit2-ext4-cut-signature-conditional-lock.patch"


def test_a_hunk_below_the_lock_does_not_read_as_no_lock() -> None:
    """Audit 2 #2: the hunk starts inside ->write_iter, below its inode_lock(); the
    write is shown and no lock is. The lines above are not in the patch: no fact, and
    the patch (it only changes a call the lock does not care about) stays quiet. The
    audit's trylock variant (tl-benign3) has the same hunk six lines lower."""
    body = kit.body_of(MID)
    for text in (body, body.replace("@@ -9,7 +9,7 @@", "@@ -14,7 +14,7 @@")):
        assert _facts(text) == {"before": None, "after": None}
        assert not [f for f in kit.run(kit.text_message(text)).findings if f.rule == RULE]


def test_no_lock_is_read_only_from_the_opening_brace() -> None:
    """Synthetic fragments: the same lines, once starting at the function's "{", once
    inside the body, once with a gap between the "{" and the write."""
    text = (
        "{\n\tssize_t ret;\n\n\tret = zz_checks(iocb);\n\tret = generic_perform_write(iocb, from);"
    )
    whole = EXTRACTORS["writelock.inode_lock"](_side(text, (8, 9, 10, 11, 12)))
    assert whole is not None and whole.value == "never"
    inside = "\n".join(text.split("\n")[1:])
    assert EXTRACTORS["writelock.inode_lock"](_side(inside, (9, 10, 11, 12))) is None
    assert EXTRACTORS["writelock.inode_lock"](_side(text, (8, 9, 10, 11, 30))) is None


# Synthetic, written for these tests: a write_iter hunk that starts below the function's
# opening lines and drops the inode lock around the write.
DROPPED = "\n".join(
    [
        "--- a/fs/zz/file.c",
        "+++ b/fs/zz/file.c",
        "@@ -12,9 +12,7 @@ static ssize_t zz_write_iter(struct kiocb *iocb, struct iov_iter *from)",
        " \tstruct inode *inode = file_inode(iocb->ki_filp);",
        " \tssize_t ret;",
        " ",
        "-\tinode_lock(inode);",
        " \tret = generic_write_checks(iocb, from);",
        " \tif (ret > 0)",
        " \t\tret = generic_perform_write(iocb, from);",
        "-\tinode_unlock(inode);",
        " \treturn ret;",
        "",
    ]
)


def test_a_lock_the_other_side_takes_in_the_hunk_is_not_above_it() -> None:
    """The lines above the hunk are common to both sides; the old side takes i_rwsem in
    the hunk, so they do not hold it (it is not recursive): dropping it is read as
    "never" and the patch introduces the race; the reverse patch fixes it."""
    facts = _facts(DROPPED)
    assert facts["before"].value == "always"  # type: ignore[union-attr]
    after = facts["after"]
    assert after is not None and after.value == "never", after
    assert "same on both sides" in after.text
    (finding,) = [f for f in kit.run(kit.text_message(DROPPED)).findings if f.rule == RULE]
    assert finding.verdict == "introduces"
    (back,) = [
        f for f in kit.run(kit.text_message(kit.reverse(DROPPED))).findings if f.rule == RULE
    ]
    assert back.verdict == "fixes"


def test_a_parameter_list_cut_by_the_hunk_hint_keeps_the_role() -> None:
    """Audit 2 #8: the @@ hint ends after ``struct kiocb *iocb,`` and the body's text
    starts at "{": ``from``, passed to generic_perform_write() and declared nowhere in
    the body, is the iov_iter parameter the hint cuts off. The lock made conditional
    (the write is one unseen line into the next hunk) is then inconclusive, as with the
    full context, instead of nothing."""
    (finding,) = [f for f in kit.run(kit.messages(CUT)[0]).findings if f.rule == RULE]
    assert finding.verdict == "inconclusive"
    assert dict(finding.knobs_before)["inode_lock"] == "always"
    assert dict(finding.knobs_after)["inode_lock"] == "extending_only"
    # a local iov_iter is not a parameter the hint hides: no role from it
    body = kit.body_of(CUT).replace(
        " \tssize_t ret;\n", " \tssize_t ret;\n \tstruct iov_iter *from = NULL;\n", 1
    )
    body = body.replace("@@ -8,11 +8,15 @@", "@@ -8,12 +8,16 @@")
    assert body.count("struct iov_iter *from = NULL;") == 1
    assert not [f for f in kit.run(kit.text_message(body)).findings if f.rule == RULE]
