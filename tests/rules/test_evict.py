"""Role "evict", facts ``wait_for_io``/``wait_at`` (reviewbot/rules/extract/evict.py) and
the rule evict-without-waiting-for-io on the audit's synthetic fixtures 0190-0195 (see
fixtures/patches/SOURCES.md)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reviewbot.model import ChangedFunction, FunctionSide
from reviewbot.rules.context import SideView, peers_of
from reviewbot.rules.cst import parse_body
from reviewbot.rules.examples import as_functions
from reviewbot.rules.extract import EXTRACTORS
from reviewbot.rules.extract.evict import machinery
from tests.rules import kit

RULE = "evict-without-waiting-for-io"


def _view(
    text: str, extra: str = "", file_text: str = "", numbers: tuple[int, ...] = ()
) -> SideView:
    name = parse_body(text).name
    side = FunctionSide(
        name=name,
        text=text,
        first_line=1,
        line_kinds=("context",) * (text.count("\n") + 1),
        complete=not numbers,
        line_numbers=numbers,
    )
    fn = ChangedFunction("fs/x/inode.c", name, None, side)
    peers = peers_of(as_functions(extra, "x.c"), "after", extra) if extra else {}
    return SideView(
        fn=fn, side="after", fs=side, body=parse_body(text), peers=peers, file_text=file_text
    )


EVICT = """static void zz_evict_inode(struct inode *inode)
{
	BEFORE
	truncate_inode_pages_final(&inode->i_data);
	AFTER
	clear_inode(inode);
}
"""


def _evict(before: str = "", after: str = "") -> str:
    return EVICT.replace("BEFORE", before or ";").replace("AFTER", after or ";")


# --------------------------------------------------------------------------- evidence


def test_no_netfs_machinery_no_fact() -> None:
    """A block filesystem's eviction: the role fits, but nothing shows requests that
    outlive their folios, so the facts stay undecided (and the rule quiet)."""
    for text in (_evict(), _evict(before="inode_dio_wait(inode);")):
        v = _view(text)
        assert machinery(v) is None
        assert EXTRACTORS["evict.wait_for_io"](v) is None


@pytest.mark.parametrize(
    ("code", "extra", "file_text", "seen"),
    [
        ("netfs_clear_inode_writeback(inode, NULL);", "", "", "netfs_clear_inode_writeback()"),
        ("fscache_relinquish_cookie(c, false);", "", "", "fscache_relinquish_cookie()"),
        # a library type elsewhere in the file as the patch shows it
        ("zz_put(NULL);", "", "\tstruct netfs_inode netfs;\n", "struct netfs_inode"),
        # a helper the patch shows that waits for a request count to drain
        (
            "zz_quiesce(inode);",
            "static void zz_quiesce(struct inode *inode)\n{\n"
            "\twait_var_event(&ZZ_I(inode)->nr, atomic_read(&ZZ_I(inode)->nr) == 0);\n}\n",
            "",
            "a wait for a request count to drain (zz_quiesce())",
        ),
    ],
)
def test_what_counts_as_netfs_style_machinery(
    code: str, extra: str, file_text: str, seen: str
) -> None:
    v = _view(_evict(after=code), extra=extra, file_text=file_text)
    assert machinery(v) == seen
    assert EXTRACTORS["evict.wait_for_io"](v) is not None


@pytest.mark.parametrize(
    "code",
    [
        "zz_fscache_release(inode);",  # a filesystem's own wrapper: not the library
        "/* netfs_wait_for_outstanding_io(inode); */",  # a comment is not code
        "wait_var_event(&inode->i_dio_count, !atomic_read(&inode->i_dio_count));",  # DIO
    ],
)
def test_what_does_not_count(code: str) -> None:
    assert machinery(_view(_evict(after=code))) is None


# --------------------------------------------------------------------------- where the wait is

NETFS = "netfs_clear_inode_writeback(inode, NULL);"


@pytest.mark.parametrize(
    ("before", "after", "value", "at"),
    [
        ("netfs_wait_for_outstanding_io(inode);", NETFS, "yes", "before_truncate"),
        (NETFS, "netfs_wait_for_outstanding_io(inode);", "yes", "before_clear_inode"),
        (NETFS, "if (x) netfs_wait_for_outstanding_io(inode);", "no", None),
    ],
)
def test_the_wait_must_come_before_clear_inode(
    before: str, after: str, value: str, at: str | None
) -> None:
    v = _view(_evict(before, after))
    obs = EXTRACTORS["evict.wait_for_io"](v)
    assert obs is not None and obs.value == value
    where = EXTRACTORS["evict.wait_at"](v)
    assert (where.value if where else None) == at


def test_a_wait_after_clear_inode_is_named_as_too_late() -> None:
    text = _evict(after=NETFS).replace(
        "clear_inode(inode);\n", "clear_inode(inode);\n\tnetfs_wait_for_outstanding_io(inode);\n"
    )
    v = _view(text)
    obs = EXTRACTORS["evict.wait_for_io"](v)
    assert obs is not None and obs.value == "no"
    assert "netfs_wait_for_outstanding_io() comes only after clear_inode(), too late" in obs.text
    assert 6 in obs.rows  # the late wait's row: a patch adding it touches the fact
    assert EXTRACTORS["evict.wait_at"](v) is None


def test_without_clear_inode_only_a_contiguous_wait_after_truncate_counts() -> None:
    frag = f"\t{NETFS}\n\ttruncate_inode_pages_final(&inode->i_data);\n"
    frag += "\tnetfs_wait_for_outstanding_io(inode);\n"
    shown = _view(frag, numbers=(10, 11, 12))
    obs = EXTRACTORS["evict.wait_for_io"](shown)
    assert obs is not None and obs.value == "yes" and "right after" in obs.text
    # lines 12..39 not shown: a clear_inode() may sit between the two calls
    gap = _view(frag, numbers=(10, 11, 40))
    assert EXTRACTORS["evict.wait_for_io"](gap) is None
    assert EXTRACTORS["evict.wait_at"](gap) is None


# --------------------------------------------------------------------------- fixtures


def _findings(name: str) -> list[tuple[str, str, bool]]:
    (path,) = kit.FIX.glob(f"{name}-*")
    return [
        (f.function, f.verdict, f.preexisting)
        for msg in kit.messages(path)
        for f in kit.run(msg).findings
        if f.rule == RULE
    ]


@pytest.mark.parametrize("name", ["0190", "0191", "0192", "0194"])
def test_no_finding_on_local_filesystems_or_a_harmless_reorder(name: str) -> None:
    assert _findings(name) == []


def test_a_wait_right_after_truncate_is_a_fix() -> None:
    assert _findings("0193") == [("afs_evict_inode", "fixes", False)]


def test_a_wait_added_after_clear_inode_leaves_the_race_and_says_why() -> None:
    (path,) = kit.FIX.glob("0195-*")
    (msg,) = kit.messages(path)
    (f,) = [f for f in kit.run(msg).findings if f.rule == RULE]
    assert (f.verdict, f.preexisting, f.severity) == ("remains", False, "error")
    assert "comes only after clear_inode(), too late" in f.message


@pytest.mark.parametrize("name", ["0001", "0002", "0003", "0021", "0201"])
def test_seed_and_ceph_fixes_keep_their_verdict(name: str) -> None:
    found = _findings(name)
    assert found and {v for _fn, v, _p in found} == {"fixes"}


def test_ceph_rename_stays_quiet() -> None:
    assert _findings("0202") == []


# --------------------------------------------------------------------------- audit 2 (#1)


@pytest.mark.parametrize("name", ["0196", "0197", "0198"])
def test_a_wait_the_patch_does_not_show_is_not_read_as_missing(name: str) -> None:
    """Audit 2 #1: a hunk below the top of ->evict_inode (0196, 0198), or a whole
    function whose wait is in a helper the patch does not show (0197), and a patch that
    does not touch the wait: nothing is read as "no", and there is no finding."""
    assert _findings(name) == []


def test_a_wait_added_where_the_lines_above_are_not_shown_says_so() -> None:
    """0199 adds a second wait; the first is above the hunk. The diff alone reads the
    same as seed 001's afs hunk (a fix), so it stays a fix, but the fact the verdict
    rests on names the lines it could not see."""
    (path,) = kit.FIX.glob("0199-*")
    (msg,) = kit.messages(path)
    (f,) = [f for f in kit.run(msg).findings if f.rule == RULE]
    assert f.verdict == "fixes"
    (before,) = [x for x in f.facts if x.name == "wait_for_io" and x.side == "before"]
    assert before.value == "no"
    assert before.text.endswith("in the lines shown (those above line 20 are not)")


def _fragment(text: str, first: int, kinds: tuple[str, ...]) -> SideView:
    side = FunctionSide(
        name="zz_evict_inode",
        text=text,
        first_line=first,
        line_kinds=kinds,  # type: ignore[arg-type]
        complete=False,
        line_numbers=tuple(range(first, first + len(kinds))),
    )
    fn = ChangedFunction("fs/x/inode.c", "zz_evict_inode", side, side)
    return SideView(fn=fn, side="before", fs=side, body=parse_body(text))


def test_no_is_read_only_from_the_top_of_the_function_or_a_patch_that_moves_a_wait() -> None:
    frag = f"\t{NETFS}\n\tclear_inode(inode);\n\tzz_log(inode);\n"
    untouched = _fragment(frag, 20, ("context", "context", "added", "context"))
    assert EXTRACTORS["evict.wait_for_io"](untouched) is None
    # the same lines from the function's first line on: "no" is read from code
    whole = "static void zz_evict_inode(struct inode *inode)\n{\n" + frag + "}\n"
    kinds = ("context",) * 4 + ("added", "context", "context")
    obs = EXTRACTORS["evict.wait_for_io"](_fragment(whole, 1, kinds))
    assert obs is not None and obs.value == "no" and "lines shown" not in obs.text
    # the patch removes a wait from the fragment: read as written, saying what is unseen
    moved = f"\t{NETFS}\n\tnetfs_wait_for_outstanding_io(inode);\n\tclear_inode(inode);\n"
    v = _fragment(moved, 20, ("context", "removed", "context", "context"))
    after = replace(v.fs, text=f"\t{NETFS}\n\tclear_inode(inode);\n", line_kinds=("context",) * 3)
    v = replace(v, fn=replace(v.fn, after=after))
    assert EXTRACTORS["evict.wait_for_io"](v) is not None  # "yes" on this (before) side
    gone = SideView(fn=v.fn, side="after", fs=after, body=parse_body(after.text))
    obs = EXTRACTORS["evict.wait_for_io"](gone)
    assert obs is not None and obs.value == "no"
    assert obs.text.endswith("in the lines shown (those above line 20 are not)")


def test_a_helper_nobody_read_handed_the_inode_may_be_the_wait() -> None:
    hidden = _evict(before="zz_drain_io(ZZ_I(inode));", after=NETFS)
    assert EXTRACTORS["evict.wait_for_io"](_view(hidden)) is None
    # handed nothing of the inode, it cannot wait for the inode's requests
    unrelated = _evict(before="zz_stats_bump(zz_stats);", after=NETFS)
    obs = EXTRACTORS["evict.wait_for_io"](_view(unrelated))
    assert obs is not None and obs.value == "no"


def test_a_no_read_from_part_of_the_function_is_not_high_confidence() -> None:
    """Synthetic 0199: a second wait is added below a hunk start; the first wait, if
    any, would be above it. The 'no' of the old side is read from the lines shown only
    (the fact is partial and says so), so the 'fixes' it leads to is medium confidence."""
    (path,) = kit.FIX.glob("0199-*")
    (f,) = kit.run(kit.messages(path)[0]).findings
    (before,) = [x for x in f.facts if x.name == "wait_for_io" and x.side == "before"]
    assert before.value == "no" and before.partial and "in the lines shown" in before.text
    assert (f.verdict, f.confidence) == ("fixes", "medium")
