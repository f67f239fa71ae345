"""A wrapped signature split between git's @@ hint and the hunk (audit #5)."""

from __future__ import annotations

from diffparse_helpers import patch_of, patches

from reviewbot.diffparse import changed_functions
from reviewbot.diffparse.cparse import parse_side
from reviewbot.diffparse.owners import SideLine
from reviewbot.diffparse.show import Understood, to_text
from reviewbot.diffparse.signature import hint_head
from reviewbot.rules.context import view
from reviewbot.rules.extract.common import has_param

HINT = "static ssize_t exfs_write_iter(struct kiocb *iocb,"


def _lines(*texts: str) -> list[SideLine]:
    return [SideLine(t, False) for t in texts]


def test_hint_head_needs_the_rest_of_the_list_then_the_body() -> None:
    rest = _lines("\t\t\t\tstruct iov_iter *from)", "{", "\tssize_t ret;")
    assert hint_head(HINT, "exfs_write_iter", rest) == HINT
    three = _lines("\t\tstruct iov_iter *from,", "\t\tloff_t pos)", "{")
    assert hint_head(HINT, "exfs_write_iter", three) == HINT


def test_hint_head_refuses_what_it_cannot_vouch_for() -> None:
    rest = _lines("\t\t\t\tstruct iov_iter *from)", "{")
    # the hunk starts at the body: the continuation line is not shown
    assert hint_head(HINT, "exfs_write_iter", _lines("{", "\tssize_t ret;")) == ""
    # the hint names another function, or is a whole one-line signature
    assert hint_head(HINT, "other", rest) == ""
    assert hint_head("static int f(int a)", "f", rest) == ""
    # git keeps 80 bytes of the hint: one that long may have lost its tail
    long = "static ssize_t exfs_buffered_write_iter(struct kiocb *iocb, struct iov_iter *fro"
    assert len(long) == 80 and hint_head(long, "exfs_buffered_write_iter", rest) == ""
    # the first line is code, not a continuation; a statement; a repaired line
    assert hint_head(HINT, "exfs_write_iter", _lines("x)", "{")) == ""
    assert hint_head(HINT, "exfs_write_iter", _lines("\t\tfoo(a);", "{")) == ""
    assert hint_head(HINT, "exfs_write_iter", [SideLine("\tx)", True), SideLine("{", False)]) == ""


def test_parameters_on_the_continuation_line_are_seen() -> None:
    """The audit's repro, with the continuation line in the hunk: the parameter on it
    used to be invisible, so the buffered-write role test failed silently."""
    (p,) = patches("0180-synthetic-audit-ext4-signature-continuation.patch")
    (fn,) = changed_functions(p)
    for side in ("before", "after"):
        fs = fn.before if side == "before" else fn.after
        assert fs is not None and fs.signature_head == fn.header_hint
        assert not fs.text.startswith("static")  # the head is not made part of the text
        v = view(fn, side, {})
        assert v is not None
        assert has_param(v, "struct kiocb") == "iocb"
        assert has_param(v, "struct iov_iter") == "from"
    # line numbers of the facts are unchanged by the extra line
    assert fn.after is not None
    locks = [(c.line, c.kind) for c in fn.after.calls if c.name == "inode_lock"]
    assert locks == [(19, "added")]
    assert parse_side(fn.after).line_of(0) is None  # the hint's row is no file line
    shown = to_text(Understood((p,), ((fn,),), (), ()))
    assert shown.count("signature begins on the @@ hint line") == 2
    assert "only its @@ hint line is shown" not in shown


_BODY_ONLY = (
    "From: a <a@example.org>\nSubject: [PATCH] x\nMessage-ID: <sig@example.org>\n\n"
    "synthetic: the hunk starts at the body's brace\n---\n"
    "diff --git a/fs/x.c b/fs/x.c\n--- a/fs/x.c\n+++ b/fs/x.c\n"
    f"@@ -8,4 +8,5 @@ {HINT}\n"
    " {\n \tssize_t ret;\n+\tret = exfs_write(iocb, from);\n \treturn ret;\n }\n"
)


def test_a_signature_the_hunk_does_not_show_stays_not_shown() -> None:
    p = patch_of(_BODY_ONLY)
    (fn,) = changed_functions(p)
    assert fn.after is not None and fn.after.signature_head == ""
    v = view(fn, "after", {})
    assert v is not None and has_param(v, "struct iov_iter") is None
    # ... and ``reviewbot parse`` says so instead of staying silent
    shown = to_text(Understood((p,), ((fn,),), (), ()))
    assert shown.count("signature: only its @@ hint line is shown") == 2


def test_only_the_first_hunk_of_a_function_can_start_in_its_signature() -> None:
    text = _BODY_ONLY.replace(
        " }\n",
        # a condition wrapped like a parameter list, then a brace: only its place
        # in the function tells it from a signature
        " }\n@@ -30,3 +31,4 @@ " + HINT + "\n \t\t    b)\n \t{\n+\t\tbar();\n \t}\n",
    )
    (fn,) = changed_functions(patch_of(text))
    assert fn.hunks == (0, 1) and fn.after is not None
    assert fn.after.signature_head == ""
