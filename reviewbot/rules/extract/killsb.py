"""Role "kill-sb" (superblock teardown) and its fact for the evict-vs-async-io scenario.

Role (structural): registered as ``.kill_sb`` (a ``struct file_system_type``
initializer the patch shows), or calls one of the VFS's superblock shutdown primitives
(``kill_anon_super()``, ``kill_block_super()``, ``kill_litter_super()``,
``generic_shutdown_super()``). Both, as for the evict role: the registration finds a
->kill_sb whose hunks do not show the shutdown call, the call finds one whose
registration is in another file; the fact below is only decided when the call shows.

Read only where something shows asynchronous requests (``common.async_machinery``: a
netfs/fscache call or type, or a wait for a request count to drain). A wait alone is
no such sign: a block filesystem's ->kill_sb that flushes its own workqueue after
kill_block_super() has no requests to race with, and the fact stays undecided.

Fact ``sb_wait``: once the shutdown call has evicted every inode, what remains is the
filesystem's private state (client, session, fids). For each piece of it handed to a
call after the shutdown, the last such call is where it goes (the teardown; the calls
before only use it). ``yes`` when a wait for outstanding work (``common.WAIT_PRIMS``,
directly or in a helper the patch shows) dominates every teardown; a wait before the
shutdown call counts too (it is earlier still). A wait under a condition of its own
is "yes" when the condition tests a count of outstanding work, undecided when the
model cannot read it and the patch leaves the wait alone, "no" when the patch adds,
removes or re-conditions it (rule.yaml, role kill-sb). "No" is read only from lines
shown from the function's start, or where the patch moves a wait.
"""

from __future__ import annotations

import re

from reviewbot.rules.context import Observed, SideView
from reviewbot.rules.cst import CallSite, branches, dominates
from reviewbot.rules.extract.common import (
    SB_SHUTDOWN,
    WAIT_PRIMS,
    async_machinery,
    base_of,
    expanded,
    mentions,
    patch_moves_a_wait,
    shown_from_start,
    unseen,
)


def _shutdowns(view: SideView) -> tuple[CallSite, ...]:
    return view.body.calls_named(SB_SHUTDOWN)


def is_kill_sb(view: SideView) -> bool:
    return ".kill_sb" in view.fn.registered_as or bool(_shutdowns(view))


def _private(view: SideView, sb: str) -> set[str]:
    """Locals holding the superblock's private state: ``x = sb->s_fs_info`` or
    ``x = ACCESSOR(sb)`` (``dev_t dev = sb->s_dev`` copies a scalar: not state)."""
    out = set()
    for a in view.body.assigns:
        if a.op == "=" and _is_private_expr(a.right, sb):
            name = base_of(a.left)
            if name and name != sb:
                out.add(name)
    return out


def _is_private_expr(text: str, sb: str) -> bool:
    s = re.escape(sb)
    return bool(
        re.search(rf"\b{s}\s*->\s*s_fs_info\b", text)
        or re.search(rf"\b\w+\s*\(\s*{s}\s*\)", text)  # an accessor: FOO_SB(sb)
    )


def _uses(view: SideView, shutdown: CallSite, helpers: set[str]) -> list[tuple[str, CallSite]]:
    """Calls after ``shutdown`` handed the private state, each with the piece of it
    handed (the client ``fsc``, a member ``server->fscache``). With no private local
    visible, every later call taking more than the superblock, a piece of its own."""
    sb = base_of(shutdown.args[0])
    private = _private(view, sb)
    out = []
    for c in view.body.calls:
        if c.byte <= shutdown.byte or c.name in WAIT_PRIMS | SB_SHUTDOWN | helpers:
            continue
        if c.in_condition or _nested(c, view.body.calls):
            continue  # a test or an argument (atomic_read() in a wait), not a teardown step
        for arg in c.args:
            if _hands_over(arg, sb, private):
                out.append((_piece(arg) if private else f"{c.byte}", c))
    return out


def _teardowns(uses: list[tuple[str, CallSite]]) -> list[CallSite]:
    """For each piece of the state, the last call handed it: the calls before only use
    it (ceph's debugfs and sysfs cleanup are handed the client it destroys next); the
    last one is where it goes."""
    last = dict(uses)
    return sorted({c.byte: c for c in last.values()}.values(), key=lambda c: c.byte)


def _first_use(uses: list[tuple[str, CallSite]], teardown: CallSite) -> CallSite:
    """The first call handed a piece ``teardown`` releases: what a message names."""
    pieces = {p for p, c in uses if c is teardown}
    return next((c for p, c in uses if p in pieces), teardown)


def _piece(arg: str) -> str:
    """Which piece of the state an argument is: ``&fsc->x`` and ``fsc->x`` alike."""
    return "".join(arg.split()).lstrip("&(")


def _nested(call: CallSite, calls: tuple[CallSite, ...]) -> bool:
    return any(o.byte < call.byte < o.byte + len(o.text.encode()) for o in calls)


def _hands_over(arg: str, sb: str, private: set[str]) -> bool:
    if private:
        return any(mentions(arg, p) for p in private) or _is_private_expr(arg, sb)
    bare = arg.strip().lstrip("&").strip()
    return bare != sb and not re.fullmatch(r"[A-Z0-9_]+|\d+|\".*\"", bare)


def _waits(view: SideView) -> list[tuple[CallSite, str]]:
    return [(c, via) for c, via in expanded(view, view.body) if c.name in WAIT_PRIMS]


def sb_wait(view: SideView) -> Observed | None:
    shutdowns = _shutdowns(view)
    # Evidence of requests comes from the netfs library or a request count, never
    # from a wait alone: a block filesystem flushing its own workqueue is not it.
    if not shutdowns or async_machinery(view) is None:
        return None  # nothing shows requests that could outlive the shutdown: quiet
    shutdown = shutdowns[0]
    if not shutdown.args or not base_of(shutdown.args[0]):
        return None  # not the VFS call (a macro or a broken fragment): nothing to read
    waits = _waits(view)
    uses = _uses(view, shutdown, {via for _c, via in waits if via})
    teardowns = _teardowns(uses)
    if not teardowns:
        return None
    missing = [t for t in teardowns if not any(dominates(w, t) for w, _ in waits)]
    if not missing:
        w, via = next((w, via) for w, via in waits if dominates(w, teardowns[0]))
        name = f"{via}()" if via else f"{w.name}()"
        first = next((c for _p, c in uses if dominates(w, c)), teardowns[0])
        return Observed(
            "yes",
            f"{view.name}() waits with {name} before {first.name}()",
            (w.row, first.row, *(t.row for t in teardowns)),
            via,
        )
    t = missing[0]
    guarded = [(w, via) for w, via in waits if _only_guarded(w, t)]
    if guarded and all(_counted(view, w, t) for w, _via in guarded):
        w, via = guarded[0]
        name = f"{via}()" if via else f"{w.name}()"
        return Observed(
            "yes",
            f"{view.name}() waits with {name} before {t.name}() whenever its test"
            f" ({_extra_guards(w, t)}) counts outstanding work",
            (w.row, t.row),
            via,
        )
    if guarded and not patch_moves_a_wait(view, WAIT_PRIMS, _waits):
        # waits on some paths only, under a test the model cannot read, and the patch
        # leaves the wait alone: not decided here (see the rule's kill-sb role)
        return None
    text = (
        f"{view.name}() calls {_first_use(uses, t).name}() after {shutdown.name}() without waiting"
        " for outstanding requests"
    )
    if guarded:
        w = guarded[0][0]
        text += f" on every path (its {w.name}() runs only if {_extra_guards(w, t)})"
    shown = shown_from_start(view, t.row)
    if not shown and not patch_moves_a_wait(view, WAIT_PRIMS, _waits):
        return None  # a wait above the lines shown may cover it: not shown
    # rows: where the state is first handed over (what the text names), then released
    rows = [_first_use(uses, x).row for x in missing] + [x.row for x in missing]
    note = unseen(view, shown, None)
    return Observed("no", text + note, tuple(dict.fromkeys(rows)), partial=bool(note))


def _only_guarded(wait: CallSite, target: CallSite) -> bool:
    """``wait`` comes before ``target``, inside the blocks that enclose it, and would
    dominate it but for conditions of its own (``if (...) { wait }``)."""
    n, m = len(branches(target)), len(target.guards)
    return (
        wait.byte < target.byte
        and branches(wait)[:n] == branches(target)
        and len(wait.guards) > m
        and wait.guards[:m] == target.guards
    )


def _extra_guards(wait: CallSite, target: CallSite) -> str:
    """The conditions ``wait`` is under that ``target`` is not, as one test."""
    extra = wait.guards[len(target.guards) :]
    return " && ".join(f"!({g.cond})" if g.branch == "else" else g.cond for g in extra)


def _counted(view: SideView, wait: CallSite, target: CallSite) -> bool:
    """Every condition ``wait`` is under (beyond ``target``'s) is a plain test that some
    count of outstanding work is non-zero (atomic_read(), or a local assigned from one
    in the lines shown), taken in its then part: the wait is skipped only when nothing
    is outstanding, so it covers every path that matters."""
    shared = len(target.guards)
    extra = wait.guards[min(shared, len(wait.guards)) :]
    if not extra or any(g.branch != "then" for g in extra):
        return False
    counts = {
        base_of(a.left) for a in view.body.assigns if a.byte < wait.byte and _is_count(a.right)
    }
    terms = [raw.strip() for g in extra for raw in g.cond.split("&&")]
    return all(_is_count(term) or term in counts for term in terms)


def _is_count(expr: str) -> bool:
    """``atomic_read(&x)`` or ``!!atomic_read(&x)``: non-zero while work is counted."""
    return _COUNT_TEST.fullmatch(" ".join(expr.split())) is not None


_COUNT_TEST = re.compile(r"\(?\s*(?:!!\s*)?atomic(?:_long|64)?_read\s*\([^()]*\)\s*\)?")
