"""Roles and facts are read from structure: identifiers of the filesystem do not matter."""

from __future__ import annotations

import re

import pytest

from reviewbot.model import ChangedFunction, FunctionSide
from reviewbot.rules.context import SideView, peers_of
from reviewbot.rules.cst import parse_body
from reviewbot.rules.extract import EXTRACTORS, ROLES


def _view(text: str, extra: str = "", registered: tuple[str, ...] = ()) -> SideView:
    name = parse_body(text).name
    side = FunctionSide(
        name=name,
        text=text,
        first_line=10,
        line_kinds=("context",) * (text.count("\n") + 1),
        complete=True,
    )
    fn = ChangedFunction(
        file="fs/x/y.c", name=name, before=None, after=side, registered_as=registered
    )
    peers: dict = {}
    if extra:
        from reviewbot.rules.examples import as_functions

        peers = peers_of(as_functions(extra, "x.c"), "after", extra)
    return SideView(fn=fn, side="after", fs=side, body=parse_body(text), peers=peers)


GETATTR = """static int zz_get(struct mnt_idmap *idmap, const struct path *path,
                  struct kstat *stat, u32 mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	struct zz_reply *rep;

	FLUSH;
	rep = zz_rpc(inode);
	zz_apply(rep, inode, 0);
	generic_fillattr(idmap, mask, inode, stat);
	return 0;
}
"""


@pytest.mark.parametrize(
    ("flush", "value"),
    [
        ("filemap_fdatawrite(inode->i_mapping)", "fdatawrite"),
        ("int rc = filemap_flush(inode->i_mapping)", "fdatawrite"),
        ("filemap_write_and_wait_range(inode->i_mapping, 0, -1)", "write_and_wait"),
        (
            "filemap_fdatawrite(inode->i_mapping); filemap_fdatawait(inode->i_mapping)",
            "write_and_wait",
        ),
        ("if (flags & AT_STATX_FORCE_SYNC) filemap_write_and_wait(inode->i_mapping)", "none"),
        ("(void)0", "none"),
        # Waiting for writeback already under way pushes no dirty page out.
        ("filemap_fdatawait(inode->i_mapping)", "none"),
    ],
)
def test_flush_fact(flush: str, value: str) -> None:
    view = _view(GETATTR.replace("FLUSH", flush))
    assert ROLES["remote-getattr"](view)
    obs = EXTRACTORS["getattr.flush"](view)
    assert obs is not None and obs.value == value


def test_names_do_not_matter() -> None:
    for prefix in ("nfs", "ceph", "qq"):
        text = re.sub(r"\bzz_", f"{prefix}_", GETATTR.replace("FLUSH", "filemap_fdatawrite(m)"))
        view = _view(text)
        assert ROLES["remote-getattr"](view)
        assert EXTRACTORS["getattr.flush"](view).value == "fdatawrite"  # type: ignore[union-attr]


def test_local_getattr_is_not_remote() -> None:
    text = """int xg(struct mnt_idmap *idmap, const struct path *path, struct kstat *stat,
	u32 mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);

	stat->blksize = xg_blksize(inode);
	generic_fillattr(idmap, mask, inode, stat);
	return 0;
}
"""
    assert not ROLES["remote-getattr"](_view(text))


def _apply(guard: str = "") -> str:
    head = "void zz_apply(struct zz_reply *r, struct inode *i, int f)\n{\n"
    line = "\ti_size_write(i, r->size);\n"
    if guard:
        line = f"\tif ({guard})\n\t{line}"
    return head + line + "}\n"


@pytest.mark.parametrize(
    ("apply", "value"),
    [
        (_apply(), "overwrite"),
        (_apply("!(f & KEEP)"), "overwrite"),
        (_apply("r->size != Z(i)->netfs.remote_i_size"), "compare_remote"),
        (_apply("r->size > i_size_read(i)"), "keep"),
    ],
)
def test_size_update_through_the_helper(apply: str, value: str) -> None:
    view = _view(GETATTR.replace("FLUSH", "(void)0"), extra=apply)
    obs = EXTRACTORS["getattr.size_update"](view)
    assert obs is not None and obs.value == value and obs.via == "zz_apply"


def test_keep_flag_passed_by_the_caller() -> None:
    apply = _apply("!(f & KEEP)")
    view = _view(GETATTR.replace("FLUSH", "(void)0").replace("inode, 0)", "inode, KEEP)"), apply)
    assert EXTRACTORS["getattr.size_update"](view).value == "keep"  # type: ignore[union-attr]


def test_evict_role_by_registration_and_by_teardown() -> None:
    text = "static void ev(struct inode *inode)\n{\n\tfoo(inode);\n}\n"
    assert ROLES["evict"](_view(text, registered=(".evict_inode",)))
    assert not ROLES["evict"](_view(text))
    assert ROLES["evict"](_view(text.replace("foo", "clear_inode")))


def test_flags_shared_only_when_the_patch_shows_other_contexts() -> None:
    one = "void a(struct q *q)\n{\n\tq->fl |= 1;\n}\n"
    assert not ROLES["shared-flags-update"](_view(one))
    other = "void b(struct q *q)\n{\n\ttest_and_clear_bit(0, &q->fl);\n}\n"
    view = _view(one, extra=other)
    assert ROLES["shared-flags-update"](view)
    assert EXTRACTORS["flags.atomic"](view).value == "no"  # type: ignore[union-attr]
    local = "void c(void)\n{\n\tstruct q q;\n\n\tq.fl |= 1;\n}\n"
    assert not ROLES["shared-flags-update"](_view(local, extra=other))


def test_write_lock_from_the_outermost_caller() -> None:
    inner = """static ssize_t w_inner(struct kiocb *iocb, struct iov_iter *from)
{
	return generic_perform_write(iocb, from);
}
"""
    outer = """static ssize_t w_outer(struct kiocb *iocb, struct iov_iter *from)
{
	ssize_t ret;

	inode_lock(file_inode(iocb->ki_filp));
	ret = w_inner(iocb, from);
	inode_unlock(file_inode(iocb->ki_filp));
	return ret;
}
"""
    view = _view(inner, extra=outer + "\n" + inner)
    assert ROLES["buffered-write"](view)
    obs = EXTRACTORS["writelock.inode_lock"](view)
    assert obs is not None and obs.value == "always" and obs.via == "w_outer"


def test_getattr_holding_the_inode_lock_across_the_reply() -> None:
    locked = GETATTR.replace("FLUSH", "inode_lock(inode); filemap_write_and_wait(m)").replace(
        "generic_fillattr", "inode_unlock(inode); generic_fillattr"
    )
    obs = EXTRACTORS["getattr.getattr_lock"](_view(locked))
    assert obs is not None and obs.value == "inode_lock"
    early = GETATTR.replace(
        "FLUSH", "inode_lock(inode); filemap_write_and_wait(m); inode_unlock(inode)"
    )
    assert EXTRACTORS["getattr.getattr_lock"](_view(early)) is None


def test_no_flush_at_all_does_not_trigger_the_flush_rule_on_its_own() -> None:
    obs = EXTRACTORS["getattr.flush"](_view(GETATTR.replace("FLUSH", "(void)0")))
    assert obs is not None and obs.value == "none" and not obs.decisive


def test_accessor_calls_are_not_server_requests() -> None:
    text = GETATTR.replace("FLUSH", "filemap_fdatawrite(m); ZZ_I(inode)->time = 0").replace(
        "rep = zz_rpc(inode);\n\tzz_apply(rep, inode, 0);", "zz_revalidate(path->dentry);"
    )
    from reviewbot.rules.extract.remote_attr import request_call

    found = request_call(_view(text))
    assert found is not None and found[0].name == "zz_revalidate"


def test_macros_from_a_diff_belong_to_their_side() -> None:
    from reviewbot.rules.context import peers_of

    diff = "+#define KICK(i) filemap_fdatawrite((i)->i_mapping)\n-#define OLD(i) clear_inode(i)\n"
    assert "KICK" in peers_of((), "after", diff) and "OLD" not in peers_of((), "after", diff)
    assert "OLD" in peers_of((), "before", diff) and "KICK" not in peers_of((), "before", diff)


def test_flag_count_comes_from_the_writes_and_the_definitions_shown() -> None:
    upd = "void a(struct q *q)\n{\n\tq->fl |= QF_DIRTY;\n}\n"
    clr = "void b(struct q *q)\n{\n\tq->fl &= ~QF_DIRTY;\n}\n"
    # One flag written, no definitions on screen: unseen code may use other bits.
    assert EXTRACTORS["flags.bits"](_view(upd, extra=clr)) is None
    # The definitions are shown and define only that flag: a one-bit word.
    one = "#define QF_DIRTY 0x1\n\nstruct q {\n\tunsigned int fl;\n};\n"
    obs = EXTRACTORS["flags.bits"](_view(upd, extra=one + clr))
    assert obs is not None and obs.value == "one"
    # A second flag defined next to it (even if this side never writes it): two bits.
    two = "#define QF_DIRTY 0x1\n#define QF_STALE 0x2\n\nstruct q {\n\tunsigned int fl;\n};\n"
    obs = EXTRACTORS["flags.bits"](_view(upd, extra=two + clr))
    assert obs is not None and obs.value == "two"
    # Two flags written: two bits, whatever is defined.
    stale = "void c(struct q *q)\n{\n\tset_bit(QF_STALE_BIT, &q->fl);\n}\n"
    obs = EXTRACTORS["flags.bits"](_view(upd, extra=one + clr + stale))
    assert obs is not None and obs.value == "two"


WRITER = """static ssize_t zz_write(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	ACQUIRE;
	ret = zz_copy(inode, from, iocb->ki_pos);
	RELEASE;
	return ret;
}
"""
COPY = """static ssize_t zz_copy(struct inode *inode, struct iov_iter *from, loff_t pos)
{
	loff_t end = pos + iov_iter_count(from);

	spin_lock(&inode->i_lock);
	if (end > inode->i_size)
		i_size_write(inode, end);
	spin_unlock(&inode->i_lock);
	return 0;
}
"""


@pytest.mark.parametrize(
    ("lock", "unlock", "value"),
    [
        ("zz_addlock_get(inode)", "zz_addlock_put(inode)", "pagecache_add_lock"),
        (
            "filemap_invalidate_lock_shared(inode->i_mapping)",
            "filemap_invalidate_unlock_shared(inode->i_mapping)",
            "pagecache_add_lock",
        ),
        ("zz_range_lock(inode)", "zz_range_unlock(inode)", "pagecache_add_lock"),
        # not locks that keep truncate out: the result is "none", read from the code
        ("spin_lock(&inode->i_lock)", "spin_unlock(&inode->i_lock)", "none"),
        ("folio_lock(f)", "folio_unlock(f)", "none"),
        ("sb_start_write(inode->i_sb)", "sb_end_write(inode->i_sb)", "none"),
        # a pair that does not surround the copy
        ("zz_addlock_get(inode); zz_addlock_put(inode)", "(void)0", "none"),
    ],
)
def test_writer_side_truncate_exclusion_is_read_from_structure(
    lock: str, unlock: str, value: str
) -> None:
    writer = WRITER.replace("ACQUIRE", lock).replace("RELEASE", unlock)
    view = _view(writer, extra=writer + "\n" + COPY)
    assert ROLES["buffered-write"](view)
    obs = EXTRACTORS["writelock.truncate_excl"](view)
    assert obs is not None and obs.value == value
    size = EXTRACTORS["writelock.isize_update"](view)
    assert size is not None and size.value == "i_lock"
