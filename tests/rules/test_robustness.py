"""Role tests and extractors never raise, whatever text a side holds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.model import ChangedFunction, FunctionSide
from reviewbot.rules.context import SideView
from reviewbot.rules.cst import side_body
from reviewbot.rules.extract import EXTRACTORS, ROLES

TOKENS = [
    "{",
    "}",
    "(",
    ")",
    ";",
    "\n",
    "if (",
    "else",
    "return",
    "goto out;",
    "inode",
    "->",
    "iomap.",
    "validity_cookie",
    "=",
    "|=",
    "&= ~",
    "filemap_fdatawrite(",
    "clear_inode(",
    "inode_lock(",
    "set_bit(",
    "i_size_write(",
    "struct kstat *stat",
    "generic_fillattr(",
    "struct kiocb *iocb",
    "struct iov_iter *from",
    "/*",
    "*/",
    '"',
    "'",
    "#define X(a) a",
    "wait_var_event(",
    "st = rpc(fid);",
    "apply(st, inode, 0);",
    "x",
    "0",
    ",",
]


def _view(text: str) -> SideView:
    n = text.count("\n") + 1
    side = FunctionSide(
        name="f",
        text=text,
        first_line=1,
        line_kinds=("added",) * n,
        complete=False,
        line_numbers=tuple(range(1, n + 1)),
    )
    fn = ChangedFunction(file="a.c", name="f", before=None, after=side)
    return SideView(
        fn=fn, side="after", fs=side, body=side_body(side), peers={"g": side_body(side)}
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=60).map(" ".join))
def test_never_raises(text: str) -> None:
    view = _view(text)
    for role in ROLES.values():
        role(view)
    for extract in EXTRACTORS.values():
        obs = extract(view)
        assert obs is None or isinstance(obs.value, str)


LINES = [
    "diff --git a/fs/q/x.c b/fs/q/x.c",
    "--- a/fs/q/x.c",
    "+++ b/fs/q/x.c",
    "@@ -1,4 +1,4 @@ static int q_getattr(struct mnt_idmap *i, const struct path *p,",
    "@@ -10,3 +10,5 @@",
    "+\tfilemap_fdatawrite(inode->i_mapping);",
    "-\tfilemap_write_and_wait(inode->i_mapping);",
    " \tst = q_rpc(inode);",
    "+\tq_apply(st, inode, 0);",
    " \tclear_inode(inode);",
    "+\tnetfs_wait_for_outstanding_io(inode);",
    "-\tv->flags |= 1;",
    "+\tset_bit(0, &v->flags);",
    "+#define K(i) filemap_fdatawrite((i)->i_mapping)",
    " }",
    "+{",
    "",
    "Signed-off-by: A <a@example.org>",
]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(LINES), max_size=30).map("\n".join))
def test_check_message_never_fails_internally(text: str) -> None:
    from reviewbot import pipeline
    from reviewbot.model import CheckOptions
    from reviewbot.rules.loader import load_library
    from tests.rules import kit

    runner = kit.fake_runner({"flush": {"fdatawrite", "none"}, "wait_for_io": {"no"}})
    report = pipeline.check_message(
        kit.text_message(text),
        CheckOptions(),
        rules=load_library(),
        runner=runner,
        min_severity="info",
    )
    assert not [d for d in report.diagnostics if d.code == "internal-error"]
