"""Role "kill-sb" (superblock teardown) and its fact for the evict-vs-async-io scenario.

Role (structural): registered as ``.kill_sb`` (a ``struct file_system_type``
initializer the patch shows), or calls one of the VFS's superblock shutdown primitives
(``kill_anon_super()``, ``kill_block_super()``, ``kill_litter_super()``,
``generic_shutdown_super()``). Both, as for the evict role: the registration finds a
->kill_sb whose hunks do not show the shutdown call, the call finds one whose
registration is in another file; the fact below is only decided when the call shows.

Read only where something shows asynchronous requests (``common.async_machinery``,
counting any wait for outstanding work in the function, on either side, as such a
sign): a block filesystem's ->kill_sb that frees its private state after
kill_block_super() has no requests to race with, and the fact stays undecided.

Fact ``sb_wait``: once the shutdown call has evicted every inode, what remains is the
filesystem's private state (client, session, fids): the calls after the shutdown that
are handed that state are its teardown. ``yes`` when a wait for outstanding work
(``common.WAIT_PRIMS``, directly or in a helper the patch shows) dominates every one
of them; a wait before the shutdown call counts too (it is earlier still).
"""

from __future__ import annotations

import re

from reviewbot.rules.context import Observed, SideView
from reviewbot.rules.cst import CallSite, dominates
from reviewbot.rules.extract.common import (
    SB_SHUTDOWN,
    WAIT_PRIMS,
    async_machinery,
    base_of,
    expanded,
    mentions,
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


def _teardowns(view: SideView, shutdown: CallSite, helpers: set[str]) -> list[CallSite]:
    """Calls after ``shutdown`` that are handed the private state (or a member of it).
    With no private local visible, every later call taking more than the superblock."""
    sb = base_of(shutdown.args[0])
    private = _private(view, sb)
    out = []
    for c in view.body.calls:
        if c.byte <= shutdown.byte or c.name in WAIT_PRIMS | SB_SHUTDOWN | helpers:
            continue
        if c.in_condition or _nested(c, view.body.calls):
            continue  # a test or an argument (atomic_read() in a wait), not a teardown step
        if any(_hands_over(arg, sb, private) for arg in c.args):
            out.append(c)
    return out


def _nested(call: CallSite, calls: tuple[CallSite, ...]) -> bool:
    return any(o.byte < call.byte < o.byte + len(o.text.encode()) for o in calls)


def _hands_over(arg: str, sb: str, private: set[str]) -> bool:
    if private:
        return any(mentions(arg, p) for p in private) or _is_private_expr(arg, sb)
    bare = arg.strip().lstrip("&").strip()
    return bare != sb and not re.fullmatch(r"[A-Z0-9_]+|\d+|\".*\"", bare)


def sb_wait(view: SideView) -> Observed | None:
    shutdowns = _shutdowns(view)
    if not shutdowns or async_machinery(view, WAIT_PRIMS) is None:
        return None  # nothing shows requests that could outlive the shutdown: quiet
    shutdown = shutdowns[0]
    if not shutdown.args or not base_of(shutdown.args[0]):
        return None  # not the VFS call (a macro or a broken fragment): nothing to read
    waits = [(c, via) for c, via in expanded(view, view.body) if c.name in WAIT_PRIMS]
    teardowns = _teardowns(view, shutdown, {via for _c, via in waits if via})
    if not teardowns:
        return None
    missing = [t for t in teardowns if not any(dominates(w, t) for w, _ in waits)]
    if missing:
        t = missing[0]
        return Observed(
            "no",
            f"{view.name}() calls {t.name}() after {shutdown.name}() without waiting"
            " for outstanding requests",
            tuple(x.row for x in missing),
        )
    w, via = next((w, via) for w, via in waits if dominates(w, teardowns[0]))
    name = f"{via}()" if via else f"{w.name}()"
    return Observed(
        "yes",
        f"{view.name}() waits with {name} before {teardowns[0].name}()",
        (w.row, *(t.row for t in teardowns)),
        via,
    )
