"""What a draft quotes: only hunks with findings, ~5 lines above, [ ... ] for cuts."""

from __future__ import annotations

from dataclasses import replace

import render_factory as factory
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.model import DiffLine, FileChange, Hunk
from reviewbot.render.quote import CUT, quote_line, sections


def test_quotes_context_above_finding_line_with_cut() -> None:
    p = factory.patch()
    (sec,) = sections(p, (factory.finding("introduces"),))
    assert sec.quoted[0] == "> diff --git a/fs/exfs/inode.c b/fs/exfs/inode.c"
    assert sec.quoted[1].startswith("> @@ -401,9 +401,10 @@ void exfs_evict_inode(")
    assert sec.quoted[2] == CUT  # the hunk's first line is more than 5 lines up
    assert sec.quoted[-1] == "> +\texfs_wait_for_requests(ei);"
    assert len(sec.quoted) == 3 + 6  # 5 lines of context + the line itself


def test_quoted_lines_are_exactly_as_posted() -> None:
    odd = DiffLine("added", "x", None, 7, posted="+x   \t  trailing and a very long line " * 5)
    assert quote_line(odd) == "> " + odd.posted
    assert quote_line(DiffLine("context", "", 1, 1, posted=" ")) == ">"
    assert quote_line(DiffLine("removed", "y", 3, None)) == "> -y"


def test_two_findings_in_one_hunk_share_the_quote() -> None:
    p = factory.patch()
    f1 = factory.finding("introduces", line=404)
    f2 = factory.finding("remains", rule="other-rule")
    secs = sections(p, (f2, f1))
    assert len(secs) == 2
    assert secs[0].findings == (f1,) and secs[1].findings == (f2,)
    # the second segment continues where the first stopped: no line quoted twice
    quoted = [q for s in secs for q in s.quoted if q.startswith("> ") and "@@" not in q]
    assert len(quoted) == len(set(quoted)) or quoted.count(">") > 0


def test_only_hunks_with_findings_are_quoted() -> None:
    p = factory.patch()
    other = Hunk(
        900, 1, 900, 2, "int exfs_other(void)", (DiffLine("added", "z;", None, 900, "+z;"),)
    )
    fc = replace(p.files[0], hunks=(*p.files[0].hunks, other))
    p2 = replace(p, files=(fc, FileChange("fs/exfs/dir.c", "fs/exfs/dir.c", "modified", ())))
    secs = sections(p2, (factory.finding("introduces"),))
    text = "\n".join(q for s in secs for q in s.quoted)
    assert "exfs_other" not in text and "dir.c" not in text


def test_finding_without_hunk_quotes_commit_message() -> None:
    p = replace(factory.patch(), files=(), degraded=True)
    f = factory.finding("fixes", hunk=None, line=None)
    (sec,) = sections(p, (f,))
    assert sec.quoted[0] == "> exfs: wait for outstanding requests before evicting an inode"
    assert sec.where == "fs/exfs/inode.c, exfs_evict_inode()"


_kinds = st.sampled_from(["context", "added", "removed"])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(_kinds, st.text(max_size=30)), min_size=1, max_size=25),
    st.lists(st.one_of(st.none(), st.integers(0, 40)), min_size=1, max_size=4),
)
def test_any_hunk_and_lines_quote_sanely(lines, finding_lines) -> None:  # type: ignore[no-untyped-def]
    dls = []
    old = new = 10
    for kind, text in lines:
        dls.append(
            DiffLine(
                kind,
                text,
                None if kind == "added" else old,
                None if kind == "removed" else new,
                posted={"context": " ", "added": "+", "removed": "-"}[kind] + text,
            )
        )
        old += kind != "added"
        new += kind != "removed"
    h = Hunk(10, old - 10, 10, new - 10, "", tuple(dls))
    p = replace(factory.patch(), files=(FileChange("a.c", "a.c", "modified", (h,)),))
    fs = tuple(
        factory.finding("introduces", file="a.c", line=ln, hunk=None) for ln in finding_lines
    )
    secs = sections(p, fs)
    assert sorted(id(f) for s in secs for f in s.findings) == sorted(id(f) for f in fs)
    for s in secs:
        for q in s.quoted:
            assert q == CUT or q.startswith(">")
