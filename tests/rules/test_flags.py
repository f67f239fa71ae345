"""The flags rule: which words are shared, which objects are private, which locks count.

Audit defects #8 (a field name matched across unrelated and freshly allocated objects;
a lock taken above the hunk never mentioned) and #9 (sharing seen on one side only).
"""

from __future__ import annotations

from pathlib import Path

from reviewbot.model import ChangedFunction, FunctionSide
from reviewbot.rules.context import SideView, peers_of
from reviewbot.rules.cst import parse_body
from reviewbot.rules.examples import as_functions
from reviewbot.rules.extract import EXTRACTORS, ROLES
from tests.rules import kit

RULE = "nonatomic-flags-update"
FRESH = kit.FIX / "0170-synthetic-audit-ceph-flags-fresh-request.patch"
INTRO = kit.FIX / "0171-synthetic-audit-9p-set-bit-to-plain-or.patch"
LOCKED = kit.FIX / "0172-synthetic-audit-9p-flags-under-i-lock.patch"
CEPH = kit.FIX / "0205-ceph-caps-flush-force-flag.mbox"


def _view(text: str, extra: str = "", before: str | None = None) -> SideView:
    """The after side of the function in ``text`` (whole, with ``before`` as its old
    side if given), with the functions of ``extra`` as peers."""

    def side(src: str) -> FunctionSide:
        n = src.count("\n") + 1
        return FunctionSide(parse_body(src).name, src, 10, ("context",) * n, complete=True)

    name = parse_body(text).name
    fn = ChangedFunction(
        file="fs/x/y.c",
        name=name,
        before=side(before) if before is not None else None,
        after=side(text),
    )
    peers = peers_of(as_functions(extra, "y.c"), "after", extra) if extra else {}
    return SideView(fn=fn, side="after", fs=fn.after, body=parse_body(text), peers=peers)  # type: ignore[arg-type]


def _atomic(v: SideView) -> tuple[str, str] | None:
    obs = EXTRACTORS["flags.atomic"](v)
    return None if obs is None else (obs.value, obs.text)


def _flags(path: Path, body: str | None = None) -> list:  # type: ignore[type-arg]
    msg = kit.messages(path)[0]
    if body is not None:
        msg = kit.text_message(body)
    return [f for f in kit.run(msg).findings if f.rule == RULE]


CLEARER = "void done(struct rq *rq)\n{\n\tclear_bit(RQ_BUSY, &rq->fl);\n}\n"


def test_a_just_allocated_object_is_private_until_handed_on() -> None:
    fresh = (
        "void mk(struct cl *cl)\n{\n\tstruct rq *rq = rq_alloc_request(cl, GFP_NOFS);\n\n"
        "\tif (!rq)\n\t\treturn;\n\trq->fl |= RQ_WRITE;\n\tsubmit(cl, rq);\n}\n"
    )
    assert not ROLES["shared-flags-update"](_view(fresh, CLEARER))
    # Handed to other code first (a bare argument, or linked into a list): visible.
    handed = fresh.replace(
        "\trq->fl |= RQ_WRITE;\n\tsubmit(cl, rq);", "\tsubmit(cl, rq);\n\trq->fl |= RQ_WRITE;"
    )
    assert _atomic(_view(handed, CLEARER)) is not None
    linked = fresh.replace("\tsubmit(cl, rq);", "").replace(
        "\trq->fl |=", "\tlist_add(&rq->node, &cl->queue);\n\trq->fl |="
    )
    assert _atomic(_view(linked, CLEARER)) is not None
    # Looked up rather than allocated: other contexts may hold it.
    found = fresh.replace("rq_alloc_request", "rq_lookup")
    assert _atomic(_view(found, CLEARER))[0] == "no"  # type: ignore[index]


def test_fresh_requests_in_two_constructors_are_not_one_shared_word() -> None:
    """Audit #8: two constructors each |= a flag into a request they just allocated;
    before the fix the field name alone made both a shared word (two warnings)."""
    assert _flags(FRESH) == []


def test_the_same_field_of_different_struct_types_is_not_one_word() -> None:
    mine = "void a(struct sess *s)\n{\n\ts->fl |= S_STALE;\n}\n"
    assert not ROLES["shared-flags-update"](_view(mine, CLEARER))
    same = mine.replace("struct sess *s", "struct rq *s")
    assert ROLES["shared-flags-update"](_view(same, CLEARER))
    # A type the patch does not show (an accessor) may be the same object.
    unknown = "void a(struct inode *inode)\n{\n\tRQ_I(inode)->fl |= S_STALE;\n}\n"
    assert ROLES["shared-flags-update"](_view(unknown, CLEARER))


def test_sharing_seen_on_the_old_side_of_the_same_function_counts() -> None:
    """Audit #9: set_bit() turned into |= with nothing else on screen."""
    old = "void inv(struct v *v)\n{\n\tset_bit(V_INVALID, &v->valid);\n}\n"
    new = "void inv(struct v *v)\n{\n\tv->valid |= BIT(V_INVALID);\n}\n"
    assert not ROLES["shared-flags-update"](_view(new))
    got = _atomic(_view(new, before=old))
    assert got is not None and got[0] == "no"
    assert "used set_bit() on it before the patch" in got[1]


def test_9p_set_bit_turned_into_a_plain_or_is_reported() -> None:
    [f] = _flags(INTRO)
    assert (f.function, f.line) == ("v9fs_invalidate_inode_attr", 9)
    facts = {(x.side, x.name): x for x in f.facts}
    assert facts["before", "atomic"].value == "yes" and not facts["before", "atomic"].assumed
    assert facts["after", "atomic"].value == "no" and not facts["after", "atomic"].assumed
    # One flag on screen: whether the word holds others decides it, and it is not shown.
    assert f.verdict == "inconclusive" and facts["after", "bits"].assumed


def test_plain_updates_under_a_lock_stay_quiet() -> None:
    """The guard for the #9 fix: the old side's bitops make the word shared, and the new
    side's plain updates are all inside spin_lock(&inode->i_lock), so nothing changes."""
    assert _flags(LOCKED) == []


def test_locks_held_on_entry() -> None:
    upd = "void g(struct rq *rq)\n{\n\trq->fl |= RQ_FORCE;\n\tBODY\n}\n"
    # Released later with no lock taken here: the caller took it.
    got = _atomic(_view(upd.replace("BODY", "spin_unlock(&rq->lock);"), CLEARER))
    assert got is not None and got[0] == "yes" and "rq->lock held on entry" in got[1]
    # Asserted held.
    asserted = upd.replace("\trq->fl", "\tlockdep_assert_held(&rq->lock);\n\trq->fl")
    got = _atomic(_view(asserted.replace("BODY", ""), CLEARER))
    assert got is not None and got[0] == "yes"
    # Taken and dropped before the update: not held; the text says what is not seen.
    early = upd.replace("\trq->fl", "\tspin_lock(&rq->lock);\n\tspin_unlock(&rq->lock);\n\trq->fl")
    got = _atomic(_view(early.replace("BODY", ""), CLEARER))
    assert got is not None and got[0] == "no"
    assert "g() takes no lock around it; whether its callers hold one is not shown" in got[1]
    # spin_lock_init() takes nothing.
    init = upd.replace("\trq->fl", "\tspin_lock_init(&rq->lock);\n\trq->fl")
    assert _atomic(_view(init.replace("BODY", ""), CLEARER))[0] == "no"  # type: ignore[index]


def test_a_plain_store_to_a_shared_word_is_not_atomic() -> None:
    """A visible ``x->fl = F`` overwrites every bit: it is read, not assumed."""
    old = "void s(struct rq *rq)\n{\n\trq->fl = RQ_WRITE;\n}\n"
    new = "void s(struct rq *rq)\n{\n\trq->fl |= RQ_WRITE;\n}\n"
    v = _view(new, CLEARER, before=old)
    other = SideView(fn=v.fn, side="before", fs=v.fn.before, body=parse_body(old), peers=v.peers)  # type: ignore[arg-type]
    got = _atomic(other)
    assert got is not None and got[0] == "no" and "plain store (rq->fl = RQ_WRITE)" in got[1]
    # On its own a store does not make the function a flags updater.
    assert not ROLES["shared-flags-update"](other)


def test_ceph_says_a_lock_above_the_hunk_is_not_visible() -> None:
    """0205: handle_cap_grant() runs with i_ceph_lock held by its caller, which the hunk
    does not show; the finding must say so rather than imply no lock is taken."""
    [f] = _flags(CEPH)
    after = next(x for x in f.facts if x.side == "after" and x.name == "atomic")
    assert "shared because __prep_cap() changes it with clear_bit()" in after.text
    assert "start inside handle_cap_grant() at line 3753" in after.text
    assert "a lock taken above them or by a caller is not visible" in after.text


def test_ceph_with_the_lock_release_on_screen_is_quiet() -> None:
    """Synthetic variant of 0205: the context shows i_ceph_lock released after the update
    with no lock taken in the lines shown, so the lock is held around the |=."""
    body = kit.messages(CEPH)[0].body
    line = " \tif (extra_info->inline_version > 0 &&"
    assert body.count(line) == 1
    unlocked = body.replace(
        line, " \tspin_unlock(&ci->i_ceph_lock); if (extra_info->inline_version > 0 &&"
    )
    assert _flags(CEPH, unlocked) == []


CONTEXT = kit.FIX / "0173-synthetic-audit2-9p-second-bit-in-context-lines.patch"


def test_a_second_bit_in_the_context_lines_is_shown() -> None:
    """Audit 2 #10: set_bit() becomes __set_bit(); the hunk's context shows an unchanged
    function that clears that bit and sets another on the same word of the same type.
    Context lines are what the patch shows on both sides: the word holds two flags, read
    from code, and the patch introduces the lost-bit race."""
    [f] = _flags(CONTEXT)
    facts = {(x.side, x.name): x for x in f.facts}
    for side in ("before", "after"):
        bits = facts[side, "bits"]
        assert bits.value == "two" and not bits.assumed, bits
        assert "V9FS_INO_MTIME_UNCERTAIN written in the patch's unchanged context" in bits.text
    assert f.verdict == "introduces"


def test_a_bit_in_the_context_on_another_type_is_not_the_same_word() -> None:
    """Synthetic variant of 0173: the context function's cache_validity belongs to another
    struct, so it says nothing about this word and bits stays the assumed default."""
    body = kit.body_of(CONTEXT)
    decl = " \tstruct v9fs_inode *v9inode = V9FS_I(inode);\n \n \tclear_bit("
    assert body.count(decl) == 1
    other = body.replace(decl, decl.replace("struct v9fs_inode", "struct v9fs_session"))
    [f] = _flags(CONTEXT, other)
    facts = {(x.side, x.name): x for x in f.facts}
    assert facts["after", "bits"].assumed
    assert f.verdict == "inconclusive"
